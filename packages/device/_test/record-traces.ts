/**
 * Record the seeded simulator traces the event functions are tested on, as signed frames, into
 * packages/protocol/_test/traces/. Run from the repository root:
 *
 *   npx tsx packages/device/_test/record-traces.ts
 *
 * The output is the same on every run: the simulators are seeded, device time starts at a fixed
 * instant, and each trace is signed by an Ed25519 key derived from a fixed seed (Ed25519
 * signatures are deterministic), so the frame ids are too. Commit the files; tests read them.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalBytes, type KeyPair, type Reading, type SignedFrame, sign, toBase64 } from '@fieldproof/protocol';
import { createSimulator, type SimulatorKind, type SimulatorOptionsByKind } from '../src/simulators/index.ts';

/** 2026-11-23T00:00:00Z, 08:00 in Shanghai: device time of every trace's first frame. */
export const traceStartMs = Date.UTC(2026, 10, 23, 0, 0, 0);
const minuteMs = 60_000;

/** A recorded trace: how it was made and its signed frames in seq order. */
export interface Trace {
  /** File name without `.json`. */
  name: string;
  /** The simulator kind. */
  kind: SimulatorKind;
  /** The simulator options, exactly as used. */
  options: Record<string, unknown>;
  /** Faults the recorder injected after simulation (frames lost, a value stuck), in words. */
  faults: string[];
  /** The device key, to verify the frames: algorithm and base64 raw public key. */
  alg: 'ed25519';
  publicKey: string;
  /** The signed frames. */
  frames: SignedFrame[];
}

function fixedKeyPair(label: string): KeyPair {
  const seed = Buffer.alloc(32);
  Buffer.from(label).copy(seed);
  // PKCS #8 prefix of a raw Ed25519 private key (RFC 8410).
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const jwk = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
  return {
    alg: 'ed25519',
    privateKey: new Uint8Array(seed),
    publicKey: new Uint8Array(Buffer.from(jwk.x as string, 'base64url')),
  };
}

interface Sample {
  deviceTimeMs: number;
  readings: Reading[];
}

function record<Kind extends SimulatorKind>(
  name: string,
  kind: Kind,
  options: SimulatorOptionsByKind[Kind],
  count: number,
  faults: { description: string; apply(samples: (Sample & { seq: number })[]): (Sample & { seq: number })[] }[] = [],
): Trace {
  const simulator = createSimulator(kind, options);
  let samples = Array.from({ length: count }, (_, seq) => ({ ...simulator.next(), seq }));
  for (const fault of faults) samples = fault.apply(samples);
  const keyPair = fixedKeyPair(`fieldproof trace ${name}`);
  const frames = samples.map((sample): SignedFrame => {
    const frame = {
      deviceId: options.deviceId,
      seq: sample.seq,
      deviceTimeMs: sample.deviceTimeMs,
      readings: sample.readings,
    };
    return { frame, alg: 'ed25519', sig: toBase64(sign(keyPair, canonicalBytes(frame))) };
  });
  return {
    name,
    kind,
    options: options as unknown as Record<string, unknown>,
    faults: faults.map((fault) => fault.description),
    alg: 'ed25519',
    publicKey: toBase64(keyPair.publicKey),
    frames,
  };
}

/** Every trace, small enough to read: a few hundred frames each. */
export function recordTraces(): Trace[] {
  const base = { startTimeMs: traceStartMs, periodMs: minuteMs };
  return [
    record(
      'load-cell',
      'load-cell',
      { ...base, seed: 'trace-load-cell', deviceId: 'cell-1', unauthorisedOutflowAtMs: traceStartMs + 200 * minuteMs },
      300,
    ),
    record(
      'rfid-gate',
      'rfid-gate',
      { ...base, seed: 'trace-rfid-gate', deviceId: 'gate-1', unauthorisedRemovalAtMs: traceStartMs + 100 * minuteMs },
      240,
    ),
    record('gps-tracker', 'gps-tracker', { ...base, seed: 'trace-gps-tracker', deviceId: 'truck-1' }, 300),
    record(
      'power-meter',
      'power-meter',
      // Five-minute samples over a day that starts at midnight in Shanghai (16:00 UTC the day before).
      {
        seed: 'trace-power-meter',
        deviceId: 'line-1',
        startTimeMs: traceStartMs - 8 * 60 * minuteMs,
        periodMs: 5 * minuteMs,
      },
      288,
    ),
    record(
      'cold-chain',
      'cold-chain',
      {
        ...base,
        seed: 'trace-cold-chain',
        deviceId: 'store-1',
        refrigerationFailureAtMs: traceStartMs + 200 * minuteMs,
      },
      300,
    ),
    record(
      'device-health',
      'load-cell',
      {
        ...base,
        seed: 'trace-device-health',
        deviceId: 'cell-2',
        movementsPerHour: 0,
        tamperAtMs: traceStartMs + 250 * minuteMs,
      },
      300,
      [
        {
          description: 'frames with seq 100–129 lost (the device was offline for 31 minutes)',
          apply: (samples) => samples.filter((sample) => sample.seq < 100 || sample.seq > 129),
        },
        {
          description: 'the weight of seq 200 repeated in seq 201–214 (the sensor stuck)',
          apply: (samples) => {
            const stuck = samples.find((sample) => sample.seq === 200)?.readings[0];
            return samples.map((sample) =>
              sample.seq > 200 && sample.seq <= 214 && stuck
                ? { ...sample, readings: [stuck, ...sample.readings.slice(1)] }
                : sample,
            );
          },
        },
      ],
    ),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const folder = join(import.meta.dirname, '../../protocol/_test/traces');
  mkdirSync(folder, { recursive: true });
  for (const trace of recordTraces()) {
    // One frame a line keeps the files diffable and readable.
    const { frames, ...head } = trace;
    const text = `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "frames": [\n${frames.map((frame) => `    ${JSON.stringify(frame)}`).join(',\n')}\n  ]\n}\n`;
    writeFileSync(join(folder, `${trace.name}.json`), text);
    console.log(`${trace.name}: ${frames.length} frames`);
  }
}
