import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createFileSeqStore, createMqttPublisher, runFleet } from '@fieldproof/device';
import type { TlsMaterial } from '@fieldproof/protocol';
import { demoDevices } from '../embedded.ts';

/** A demo device's TLS: the CA to trust and, with mTLS, its certificate from the development CA folder. */
function deviceTls(dataDir: string, deviceId: string, caFile: string | undefined, mutual: boolean): TlsMaterial {
  const folder = join(dataDir, 'tls');
  return {
    ca: readFileSync(caFile ?? join(folder, 'ca.pem')),
    ...(mutual
      ? {
          cert: readFileSync(join(folder, `device-${deviceId}.pem`)),
          key: readFileSync(join(folder, `device-${deviceId}-key.pem`)),
        }
      : {}),
  };
}

const usage = `fieldproof simulate [options]
  Drive the demo site's simulated devices (keys and seqs under --data-dir) at an MQTT broker.
  --broker mqtt://127.0.0.1:1883   --data-dir ./data   --devices-per-kind 2
  --rate 1 (frames/s per device)   --duration-s 60 (0 = until Ctrl-C)
  --ca ./data/tls/ca.pem (for mqtts://)   --mtls (each device presents <data-dir>/tls/device-<id>.pem)`;

/** `fieldproof simulate`: publish signed frames from the demo site's devices to a broker. */
export async function runSimulate(args: string[], write: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      broker: { type: 'string' },
      'data-dir': { type: 'string' },
      'devices-per-kind': { type: 'string' },
      rate: { type: 'string' },
      'duration-s': { type: 'string' },
      ca: { type: 'string' },
      mtls: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    write(usage);
    return 0;
  }
  const dataDir = resolve(values['data-dir'] ?? './data');
  const broker = values.broker ?? 'mqtt://127.0.0.1:1883';
  const devicesPerKind = Number(values['devices-per-kind'] ?? 2);
  const ratePerDeviceHz = Number(values.rate ?? 1);
  const durationS = Number(values['duration-s'] ?? 60);
  if (![devicesPerKind, ratePerDeviceHz, durationS].every((value) => Number.isFinite(value) && value >= 0)) {
    write(usage);
    return 2;
  }
  const devices = demoDevices(dataDir, devicesPerKind);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  write(`simulating ${devices.length} devices at ${ratePerDeviceHz} frames/s each → ${broker}`);
  const result = await runFleet({
    devices,
    createPublisher: (deviceId) =>
      createMqttPublisher({
        url: broker,
        clientId: `device-${deviceId}`,
        ...(values.ca || values.mtls ? { tls: deviceTls(dataDir, deviceId, values.ca, values.mtls ?? false) } : {}),
      }),
    seqStore: createFileSeqStore(join(dataDir, 'devices', 'seq')),
    ratePerDeviceHz,
    ...(durationS > 0 ? { durationMs: durationS * 1000 } : {}),
    signal: controller.signal,
    onProgress: (progress) =>
      write(
        `  ${Math.round(progress.elapsedMs / 1000)} s: sent ${progress.sent}, acknowledged ${progress.acknowledged}, failed ${progress.failed}`,
      ),
  });
  write(`done: sent ${result.sent}, acknowledged ${result.acknowledged}, failed ${result.failed}`);
  return result.failed === 0 ? 0 : 1;
}
