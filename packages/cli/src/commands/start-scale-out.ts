import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CloudConfigInput, type CloudRole, cloudRoles, startCloudServer } from '@fieldproof/cloud';
import { createVerifyPool } from '@fieldproof/protocol';
import pino from 'pino';
import { logRedaction } from '../tls/log-redaction.ts';
import { storeFromOption } from './serve.ts';

/** Whether `fieldproof start` was asked for scale-out (`--mode scale-out` or `--role …`). */
export function scaleOutRequested(args: readonly string[]): boolean {
  return args.some(
    (arg, index) =>
      arg === '--role' ||
      arg.startsWith('--role=') ||
      arg === '--mode=scale-out' ||
      (arg === '--mode' && args[index + 1] === 'scale-out'),
  );
}

/** The args without `--mode embedded` (the default path takes no --mode). */
export function withoutEmbeddedMode(args: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === '--mode=embedded') continue;
    if (arg === '--mode' && args[index + 1] === 'embedded') {
      index++;
      continue;
    }
    if (arg === '--mode' || arg.startsWith('--mode=')) {
      throw new Error(`--mode must be embedded or scale-out, got ${arg === '--mode' ? args[index + 1] : arg.slice(7)}`);
    }
    kept.push(arg);
  }
  return kept;
}

/** The roles a `--role` value names: one role or a comma-separated list. */
export function parseRoles(value: string | undefined): CloudRole[] {
  if (value === undefined) return [...cloudRoles];
  const roles = value.split(',').map((role) => role.trim());
  for (const role of roles) {
    if (!(cloudRoles as readonly string[]).includes(role)) {
      throw new Error(`--role must be ${cloudRoles.join(', ')} (or a comma list of them), got ${role}`);
    }
  }
  return [...new Set(roles)] as CloudRole[];
}

/**
 * The cloud config of one scale-out node from `fieldproof start` options: the PostgreSQL store,
 * the JetStream bus, and direct ingest over HTTPS and MQTT 5 (a shared subscription on the
 * external broker; the session named after the node, so a restarted node gets its frames back).
 */
export function scaleOutCloudConfig(values: Record<string, string | boolean | undefined>): CloudConfigInput {
  const text = (name: string) => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const env = process.env;
  const roles = parseRoles(text('role'));
  const nodeId = text('node-id') ?? env.FIELDPROOF_NODE_ID ?? 'node-1';
  const topicPrefix = (text('topic-prefix') ?? 'fieldproof/v1/direct/frames').replace(/\/+$/, '');
  const number = (name: string, fallback: number) => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!Number.isInteger(parsed) || parsed < 0)
      throw new Error(`--${name} must be a non-negative integer, got ${raw}`);
    return parsed;
  };
  const storeOption = text('store') ?? env.FIELDPROOF_STORE;
  return {
    dataDir: resolve(text('data-dir') ?? env.FIELDPROOF_DATA_DIR ?? './data'),
    suite: text('suite') === 'sm' ? 'sm' : 'intl',
    http: { host: text('host') ?? '127.0.0.1', port: number('http-port', 8080) },
    checkpointIntervalMs: number('checkpoint-interval-ms', 1_000),
    // No --store: the config check names cloud.store (scale-out needs PostgreSQL).
    store: storeOption === undefined ? { kind: 'sqlite' } : storeFromOption(storeOption),
    directIngest: {
      https: true,
      mqtt: {
        url: text('mqtt-url') ?? env.FIELDPROOF_MQTT_URL ?? 'mqtt://127.0.0.1:1883',
        sharedGroup: text('share-group') ?? 'fieldproof-ingest',
        topic: `${topicPrefix}/+`,
        rejectTopicPrefix: `${topicPrefix}-rejects`,
        clientId: `fieldproof-ingest-${nodeId}`,
        protocolVersion: 5,
      },
      batchFramesMax: number('batch-frames-max', 1_000),
    },
    scaleOut: {
      roles,
      nodeId,
      bus: {
        servers: [text('nats') ?? env.FIELDPROOF_NATS_URL ?? 'nats://127.0.0.1:4222'],
        ...(text('stream') === undefined ? {} : { stream: text('stream') }),
        ...(text('subject-prefix') === undefined ? {} : { subjectPrefix: text('subject-prefix') }),
      },
    },
  };
}

/** The options of `fieldproof start` in scale-out. */
export const scaleOutStartOptions = {
  mode: { type: 'string' },
  role: { type: 'string' },
  'node-id': { type: 'string' },
  'data-dir': { type: 'string' },
  host: { type: 'string' },
  'http-port': { type: 'string' },
  suite: { type: 'string' },
  store: { type: 'string' },
  nats: { type: 'string' },
  stream: { type: 'string' },
  'subject-prefix': { type: 'string' },
  'mqtt-url': { type: 'string' },
  'topic-prefix': { type: 'string' },
  'share-group': { type: 'string' },
  'batch-frames-max': { type: 'string' },
  'checkpoint-interval-ms': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

/**
 * `fieldproof start --mode scale-out` (every role in this process) or `--role ingest|sequencer|worker`
 * (one role, or a comma list): a cloud node against external services — PostgreSQL (`--store`),
 * NATS JetStream (`--nats`) and an MQTT 5 broker (`--mqtt-url`). Prints `scale-out node <id> roles
 * <roles> listening <url>`, and `sequencer lease taken` once a sequencer holds its log.
 */
export async function runStartScaleOut(args: string[], write: (line: string) => void): Promise<number> {
  const { values } = parseArgs({ args, options: scaleOutStartOptions });
  if (values.mode !== undefined && values.mode !== 'scale-out') {
    throw new Error(`--role runs a scale-out node: drop --mode ${values.mode} or say --mode scale-out`);
  }
  const config = scaleOutCloudConfig(values);
  const pool = createVerifyPool();
  const log = pino({ level: values['log-level'] ?? 'warn', redact: logRedaction }, pino.destination(2));
  const cloud = await startCloudServer(config, { verifier: pool, log }).catch(async (error: unknown) => {
    await pool.close();
    throw error;
  });
  const scaleOut = cloud.scaleOut;
  const roles = [...(scaleOut?.roles ?? [])].join(',');
  write(`scale-out node ${config.scaleOut?.nodeId} roles ${roles} listening ${cloud.url}`);
  let leaseTimer: NodeJS.Timeout | undefined;
  if (scaleOut?.runs('sequencer')) {
    let held = false;
    leaseTimer = setInterval(() => {
      if (scaleOut.leaseHeld !== held) {
        held = scaleOut.leaseHeld;
        write(held ? 'sequencer lease taken' : 'sequencer lease lost; waiting');
      }
    }, 100);
  }
  await new Promise<void>((resolveSignal) => {
    const onSignal = (signal: string) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      write(`${signal}: stopping…`);
      resolveSignal();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  clearInterval(leaseTimer);
  await cloud.stop();
  await pool.close();
  write('stopped cleanly.');
  return 0;
}
