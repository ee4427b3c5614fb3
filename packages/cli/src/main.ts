import { parseArgs } from 'node:util';
import { runStart } from './commands/start.ts';
import { runStartScaleOut, scaleOutRequested, withoutEmbeddedMode } from './commands/start-scale-out.ts';
import { runVerify } from './commands/verify.ts';

const usage = `fieldproof <command> [options]

Commands:
  start      Run the embedded default: MQTT broker, edge, cloud, log and a simulated site.
             --data-dir ./data  --host 127.0.0.1  --mqtt-port 1883  --http-port 8080  --edge-port 8081 [--modbus-port 0 --opcua-port 0 --coap-port 5683]
             --suite intl|sm  --devices-per-kind 2  --rate 1 (frames/s per device)  --log-level warn
             TLS on every listener by default (development CA in <data-dir>/tls; MQTT on mqtts 8883);
             --mtls: devices present their own certificates; --plain: no TLS (loopback hosts only)
             --store sqlite (default, <data-dir>/cloud/cloud.db) | sqlite:<path> | postgres://user@host/db[?schema=name]
             --mode scale-out: every role in one process against external services; --role ingest|sequencer|worker
             runs one role (docs/scale-out.md): --store postgres://…[?schema=] --nats nats://127.0.0.1:4222
             --mqtt-url mqtt://127.0.0.1:1883 --node-id node-1 --topic-prefix fieldproof/v1/direct/frames
  verify     Check a frame or decision proof bundle offline, and its anchor on chain with --rpc:
             fieldproof verify <bundle.json> --trust <keys.json> [--rpc <URL>]
  simulate   Drive simulated devices at a broker (see: fieldproof simulate --help)
  cloud      Run the cloud server alone: --data-dir ./data/cloud --http-port 8080 --suite intl|sm
  edge       Run one edge gateway alone: --config edge.json (the EdgeConfig schema)
  audit      Re-derive the log from the stored rows and compare it with every checkpoint and anchor:
             --data-dir ./data [--rpc <URL>] (exit 1 on any finding, each with its leaf index)
  reexecute  Re-run derived events on their proven frames, apart from the cloud's verdict (exit 1 on a mismatch):
             fieldproof reexecute --cloud <URL> --trust <keys.json> (--event <ID> | --device <ID>)
  keys       Encryption at rest (docs/encryption-at-rest.md): fieldproof keys list|rotate [--data-dir ./data/cloud]
             [--store …] [--data-keys] (rotate: new master key, data keys re-wrapped; --data-keys re-encrypts values)
  witness    Run one consortium member's witness (C2SP tlog-witness): --name --trust keys.json --log-url
`;

function numberOption(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative number, got ${value}`);
  return parsed;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const write = (line: string) => process.stdout.write(`${line}\n`);
  const env = process.env;
  switch (command) {
    case 'start': {
      // --mode scale-out / --role: a node against PostgreSQL, NATS JetStream and an MQTT broker.
      if (scaleOutRequested(rest)) return runStartScaleOut(rest, write);
      const { values } = parseArgs({
        args: withoutEmbeddedMode(rest),
        options: {
          'data-dir': { type: 'string' },
          host: { type: 'string' },
          'mqtt-port': { type: 'string' },
          'http-port': { type: 'string' },
          'edge-port': { type: 'string' },
          'modbus-port': { type: 'string' },
          'opcua-port': { type: 'string' },
          'coap-port': { type: 'string' },
          suite: { type: 'string' },
          'devices-per-kind': { type: 'string' },
          rate: { type: 'string' },
          'log-level': { type: 'string' },
          plain: { type: 'boolean' },
          mtls: { type: 'boolean' },
          store: { type: 'string' },
        },
      });
      if (values.plain && values.mtls) throw new Error('--plain and --mtls exclude each other');
      const tls = !(values.plain ?? env.FIELDPROOF_PLAIN === '1');
      const suite = values.suite ?? env.FIELDPROOF_SUITE ?? 'intl';
      if (suite !== 'intl' && suite !== 'sm') throw new Error(`--suite must be intl or sm, got ${suite}`);
      return runStart(
        {
          dataDir: values['data-dir'] ?? env.FIELDPROOF_DATA_DIR ?? './data',
          host: values.host ?? env.FIELDPROOF_HOST ?? '127.0.0.1',
          mqttPort: numberOption(values['mqtt-port'] ?? env.FIELDPROOF_MQTT_PORT, tls ? 8883 : 1883, 'mqtt-port'),
          httpPort: numberOption(values['http-port'] ?? env.FIELDPROOF_HTTP_PORT, 8080, 'http-port'),
          edgePort: numberOption(values['edge-port'] ?? env.FIELDPROOF_EDGE_PORT, 8081, 'edge-port'),
          // The demo's keyless devices: 0 picks free ports.
          modbusPort: numberOption(values['modbus-port'] ?? env.FIELDPROOF_MODBUS_PORT, 0, 'modbus-port'),
          opcuaPort: numberOption(values['opcua-port'] ?? env.FIELDPROOF_OPCUA_PORT, 0, 'opcua-port'),
          ...((values['coap-port'] ?? env.FIELDPROOF_COAP_PORT) === undefined
            ? {}
            : // Direct CoAP ingest (UDP); 0 picks a free port.
              { coapPort: numberOption(values['coap-port'] ?? env.FIELDPROOF_COAP_PORT, 5683, 'coap-port') }),
          suite,
          devicesPerKind: numberOption(values['devices-per-kind'], 2, 'devices-per-kind'),
          ratePerDeviceHz: numberOption(values.rate, 1, 'rate'),
          logLevel: values['log-level'] ?? env.FIELDPROOF_LOG_LEVEL ?? 'warn',
          tls,
          mutualTls: values.mtls ?? false,
          ...(values.store === undefined ? {} : { store: values.store }),
        },
        write,
      );
    }
    case 'verify': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { trust: { type: 'string' }, rpc: { type: 'string' } },
      });
      const bundle = positionals[0];
      if (!bundle || !values.trust) {
        write('usage: fieldproof verify <bundle.json> --trust <keys.json> [--rpc <URL>]');
        return 2;
      }
      return runVerify(bundle, values.trust, write, values.rpc === undefined ? {} : { rpcUrl: values.rpc });
    }
    case 'cloud': {
      const { runCloud } = await import('./commands/serve.ts');
      return runCloud(rest, write);
    }
    case 'edge': {
      const { runEdge } = await import('./commands/serve.ts');
      return runEdge(rest, write);
    }
    case 'audit': {
      const { runAudit } = await import('./commands/audit.ts');
      return runAudit(rest, write);
    }
    case 'witness': {
      const { runWitness } = await import('./commands/witness.ts');
      return runWitness(rest, write);
    }
    case 'reexecute': {
      const { runReexecute } = await import('./commands/reexecute.ts');
      return runReexecute(rest, write);
    }
    case 'keys': {
      const { runKeys } = await import('./commands/keys.ts');
      return runKeys(rest, write);
    }
    case 'simulate': {
      const { runSimulate } = await import('./commands/simulate.ts');
      return runSimulate(rest, write);
    }
    default:
      write(usage);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fieldproof: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
