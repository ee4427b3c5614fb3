// Real Modbus TCP and OPC UA servers for tests, from the libraries the edge ships with
// (modbus-serial's ServerTCP, node-opcua's OPCUAServer), on free ports.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ServerTCP } from 'modbus-serial';

/** A free TCP port on 127.0.0.1 (modbus-serial's ServerTCP takes port 0 as 502, so we pick one). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A running Modbus TCP test server whose registers the test changes. */
export interface ModbusTestServer {
  port: number;
  /** Holding registers by address (16-bit words). */
  holding: Map<number, number>;
  /** Input registers by address. */
  input: Map<number, number>;
  /** Requests answered, for tests that wait for a poll. */
  readonly requests: number;
  /** Write a 32-bit value as two words, high word first. */
  setUint32(table: 'holding' | 'input', address: number, value: number): void;
  /** Write a float32 as two words, high word first. */
  setFloat32(table: 'holding' | 'input', address: number, value: number): void;
  close(): Promise<void>;
}

/** Start modbus-serial's ServerTCP on 127.0.0.1 (on `port`, or a free one). */
export async function startModbusTestServer(port?: number): Promise<ModbusTestServer> {
  const listenPort = port ?? (await freePort());
  const holding = new Map<number, number>();
  const input = new Map<number, number>();
  let requests = 0;
  const server = new ServerTCP(
    {
      getHoldingRegister: (address: number) => {
        requests++;
        return holding.get(address) ?? 0;
      },
      getInputRegister: (address: number) => {
        requests++;
        return input.get(address) ?? 0;
      },
    },
    { host: '127.0.0.1', port: listenPort, unitID: 255 },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('initialized', () => resolve());
    server.once('serverError', reject);
  });
  const words = (bytes: Buffer): [number, number] => [bytes.readUInt16BE(0), bytes.readUInt16BE(2)];
  const tables = { holding, input };
  return {
    port: listenPort,
    holding,
    input,
    get requests() {
      return requests;
    },
    setUint32(table, address, value) {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(value >>> 0);
      const [high, low] = words(bytes);
      tables[table].set(address, high).set(address + 1, low);
    },
    setFloat32(table, address, value) {
      const bytes = Buffer.alloc(4);
      bytes.writeFloatBE(value);
      const [high, low] = words(bytes);
      tables[table].set(address, high).set(address + 1, low);
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Drop the clients too, so a closed server looks like a device that went away.
        for (const socket of server.socks.keys()) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A running OPC UA test server with variables the test changes. */
export interface OpcuaTestServer {
  endpoint: string;
  /** Current values by variable name; node ids are `ns=1;s=<name>`. */
  values: Map<string, number | boolean>;
  close(): Promise<void>;
}

/**
 * Start node-opcua's OPCUAServer (security None allowed) with Double variables for each name in
 * `doubles` and Boolean ones for `booleans`, read from `values` whenever the server samples them.
 * Its PKI lives in `pkiDir`, never in the user's home.
 */
export async function startOpcuaTestServer(options: {
  pkiDir: string;
  doubles: string[];
  booleans?: string[];
}): Promise<OpcuaTestServer> {
  const opcua = await import('node-opcua');
  const port = await freePort();
  const serverCertificateManager = new opcua.OPCUACertificateManager({
    rootFolder: join(options.pkiDir, 'server'),
    automaticallyAcceptUnknownCertificate: true,
  });
  const server = new opcua.OPCUAServer({
    port,
    hostname: '127.0.0.1',
    resourcePath: '/UA/fieldproof-test',
    serverCertificateManager,
    securityModes: [opcua.MessageSecurityMode.None],
    securityPolicies: [opcua.SecurityPolicy.None],
    allowAnonymous: true,
    buildInfo: { productName: 'fieldproof-test', buildNumber: '1', buildDate: new Date(0) },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new Error('the OPC UA server has no address space');
  const namespace = addressSpace.getOwnNamespace();
  const device = namespace.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: 'Line1' });
  const values = new Map<string, number | boolean>();
  const add = (name: string, dataType: 'Double' | 'Boolean') => {
    values.set(name, dataType === 'Double' ? 0 : false);
    namespace.addVariable({
      componentOf: device,
      browseName: name,
      nodeId: `s=${name}`,
      dataType,
      minimumSamplingInterval: 50,
      value: {
        get: () =>
          new opcua.Variant({
            dataType: dataType === 'Double' ? opcua.DataType.Double : opcua.DataType.Boolean,
            value: values.get(name),
          }),
      },
    });
  };
  for (const name of options.doubles) add(name, 'Double');
  for (const name of options.booleans ?? []) add(name, 'Boolean');
  await server.start();
  return {
    endpoint: `opc.tcp://127.0.0.1:${port}/UA/fieldproof-test`,
    values,
    close: () => server.shutdown(0),
  };
}
