// The embedded demo's keyless devices: a Modbus TCP power meter and an OPC UA weighing indicator,
// served in process by the libraries the edge ships with (modbus-serial's ServerTCP, node-opcua's
// OPCUAServer), with values that move like a running plant. Demo only: no security on either
// (loopback), as on a closed plant network.
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** A free TCP port on `host` (modbus-serial takes port 0 as 502, so the demo picks one itself). */
export async function freeTcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The Modbus power meter's register map (holding registers, big-endian words). */
export const demoMeterRegisters = [
  { address: 0, type: 'float32' as const, kind: 'power', unit: 'W' },
  { address: 2, type: 'uint32' as const, scale: 0.001, kind: 'energy', unit: 'kWh' },
];

/** The OPC UA weighing indicator's variables. */
export const demoScaleNodes = [
  { nodeId: 'ns=1;s=Scale.NetWeight', kind: 'weight.net', unit: 'kg' },
  { nodeId: 'ns=1;s=Scale.Stable', kind: 'stable' },
];

/** A running Modbus power meter. */
export interface DemoPowerMeter {
  port: number;
  close(): Promise<void>;
}

/**
 * Serve a Modbus TCP power meter on `host:port`: power (float32 W at 0–1) wanders around 2.3 kW
 * and the energy counter (uint32 Wh at 2–3) integrates it, updated every second.
 */
export async function startDemoPowerMeter(options: { host: string; port: number }): Promise<DemoPowerMeter> {
  const { ServerTCP } = await import('modbus-serial');
  const holding = new Map<number, number>();
  const writeWords = (address: number, bytes: Buffer) => {
    holding.set(address, bytes.readUInt16BE(0)).set(address + 1, bytes.readUInt16BE(2));
  };
  let energyWh = 1_250_000;
  let step = 0;
  const update = () => {
    step++;
    const powerW = 2_300 + 400 * Math.sin(step / 10) + (step % 7) * 15;
    energyWh += powerW / 3_600;
    const power = Buffer.alloc(4);
    power.writeFloatBE(powerW);
    writeWords(0, power);
    const energy = Buffer.alloc(4);
    energy.writeUInt32BE(Math.floor(energyWh) >>> 0);
    writeWords(2, energy);
  };
  update();
  const timer = setInterval(update, 1_000);
  timer.unref();
  const server = new ServerTCP(
    { getHoldingRegister: (address: number) => holding.get(address) ?? 0, getInputRegister: () => 0 },
    { host: options.host, port: options.port, unitID: 255 },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('initialized', () => resolve());
      server.once('serverError', reject);
    });
  } catch (error) {
    clearInterval(timer);
    throw error;
  }
  return {
    port: options.port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        for (const socket of server.socks.keys()) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A running OPC UA weighing indicator. */
export interface DemoWeighingIndicator {
  endpoint: string;
  close(): Promise<void>;
}

/** The endpoint URL the demo weighing indicator serves on `host:port`. */
export function demoScaleEndpoint(host: string, port: number): string {
  return `opc.tcp://${host}:${port}/UA/fieldproof-demo`;
}

/**
 * Serve an OPC UA weighing indicator on `host:port`: net weight (Double, kg) as pallets are loaded
 * and taken away, and whether it is stable (Boolean). Its PKI (made on first start, reused
 * after) lives in `pkiDir`. Security None only: a demo on loopback.
 */
export async function startDemoWeighingIndicator(options: {
  host: string;
  port: number;
  pkiDir: string;
  log: Logger;
}): Promise<DemoWeighingIndicator> {
  const opcua = await import('node-opcua');
  const serverCertificateManager = new opcua.OPCUACertificateManager({
    rootFolder: join(options.pkiDir, 'server'),
    automaticallyAcceptUnknownCertificate: true,
  });
  const server = new opcua.OPCUAServer({
    port: options.port,
    hostname: options.host,
    resourcePath: '/UA/fieldproof-demo',
    serverCertificateManager,
    securityModes: [opcua.MessageSecurityMode.None],
    securityPolicies: [opcua.SecurityPolicy.None],
    allowAnonymous: true,
    buildInfo: { productName: 'fieldproof-demo-scale', buildNumber: '1', buildDate: new Date(0) },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new Error('the demo OPC UA server has no address space');
  const namespace = addressSpace.getOwnNamespace();
  const scale = namespace.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: 'Scale' });
  let weightKg = 0;
  let stable = true;
  let tick = 0;
  const timer = setInterval(() => {
    tick++;
    // A pallet of 480–520 kg goes on every 5 s, and the platform is cleared every 30 s.
    if (tick % 30 === 0) weightKg = 0;
    else if (tick % 5 === 0) weightKg += 480 + (tick % 41);
    stable = tick % 5 !== 0;
  }, 1_000);
  timer.unref();
  namespace.addVariable({
    componentOf: scale,
    browseName: 'NetWeight',
    nodeId: 's=Scale.NetWeight',
    dataType: 'Double',
    minimumSamplingInterval: 100,
    value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Double, value: weightKg }) },
  });
  namespace.addVariable({
    componentOf: scale,
    browseName: 'Stable',
    nodeId: 's=Scale.Stable',
    dataType: 'Boolean',
    minimumSamplingInterval: 100,
    value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Boolean, value: stable }) },
  });
  await server.start();
  options.log.debug({ port: options.port }, 'demo weighing indicator (OPC UA) started');
  return {
    endpoint: demoScaleEndpoint(options.host, options.port),
    async close() {
      clearInterval(timer);
      await server.shutdown(0);
    },
  };
}
