import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOrCreateDevelopmentCa, startCloudServer } from '@fieldproof/cloud';
import { startEdgeGateway } from '@fieldproof/edge';
import { createVerifyPool } from '@fieldproof/protocol';
import pino from 'pino';
import { logRedaction } from '../tls/log-redaction.ts';

/** Resolve when the process is asked to stop (SIGINT or SIGTERM). */
function untilSignal(write: (line: string) => void): Promise<void> {
  return new Promise((resolveSignal) => {
    const onSignal = (signal: string) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      write(`${signal}: stopping…`);
      resolveSignal();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * The store a `--store` value names: `sqlite` (default, `<data-dir>/cloud.db`), `sqlite:<path>`,
 * or a `postgres://…` URL, optionally with `?schema=<name>` for the schema to keep the tables in.
 */
export function storeFromOption(value: string | undefined) {
  if (value === undefined || value === 'sqlite') return { kind: 'sqlite' as const };
  if (value.startsWith('sqlite:')) return { kind: 'sqlite' as const, path: resolve(value.slice('sqlite:'.length)) };
  if (/^postgres(ql)?:\/\//.test(value)) {
    const url = new URL(value);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    return { kind: 'postgres' as const, url: url.toString(), ...(schema === undefined ? {} : { schema }) };
  }
  throw new Error(`--store must be sqlite, sqlite:<path> or a postgres:// URL, not ${value}`);
}

/**
 * `fieldproof cloud`: run the cloud server alone (its own process), as in a deployment where
 * edges uplink over the network. Prints one line `cloud listening <url>` once it serves.
 * `--store postgres://user@host/db[?schema=name]` keeps the rows in PostgreSQL instead of SQLite.
 */
export async function runCloud(args: string[], write: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      host: { type: 'string' },
      'http-port': { type: 'string' },
      suite: { type: 'string' },
      'checkpoint-interval-ms': { type: 'string' },
      'log-level': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      'dev-tls': { type: 'boolean' },
      store: { type: 'string' },
    },
  });
  const store = storeFromOption(values.store);
  const dataDir = resolve(values['data-dir'] ?? './data/cloud');
  const host = values.host ?? '127.0.0.1';
  // --tls-cert/--tls-key: the operator's own certificate (a bank's PKI); --dev-tls: one from the
  // development CA in <data-dir>/tls, made on first start. --tls-ca: the CA to trust for https witnesses.
  let tls: { certFile: string; keyFile: string } | undefined;
  let caFile = values['tls-ca'];
  if (values['tls-cert'] || values['tls-key']) {
    if (!values['tls-cert'] || !values['tls-key']) throw new Error('give --tls-cert and --tls-key together');
    tls = { certFile: values['tls-cert'], keyFile: values['tls-key'] };
  } else if (values['dev-tls']) {
    const ca = await loadOrCreateDevelopmentCa({ dir: join(dataDir, 'tls') });
    const issued = await ca.serverCertificate('cloud', host === '0.0.0.0' || host === '::' ? [hostname()] : [host]);
    tls = { certFile: issued.certFile, keyFile: issued.keyFile };
    caFile ??= ca.caFile;
  }
  const pool = createVerifyPool();
  const cloud = await startCloudServer(
    {
      dataDir,
      suite: values.suite === 'sm' ? 'sm' : 'intl',
      http: { host, port: Number(values['http-port'] ?? 8080) },
      checkpointIntervalMs: Number(values['checkpoint-interval-ms'] ?? 1_000),
      ...(tls ? { tls } : {}),
      ...(caFile ? { clientTls: { caFile } } : {}),
      store,
    },
    { verifier: pool, log: pino({ level: values['log-level'] ?? 'warn', redact: logRedaction }, pino.destination(2)) },
  );
  write(`cloud listening ${cloud.url}`);
  await untilSignal(write);
  await cloud.stop();
  await pool.close();
  write('stopped cleanly.');
  return 0;
}

/**
 * `fieldproof edge --config edge.json`: run one edge gateway alone from a JSON config (the
 * EdgeConfig schema; a bad key fails at start with its name). Prints `edge running <edgeId>`.
 */
export async function runEdge(args: string[], write: (line: string) => void): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, 'log-level': { type: 'string' } } });
  if (!values.config) {
    write('usage: fieldproof edge --config <edge.json>');
    return 2;
  }
  const config: unknown = JSON.parse(readFileSync(values.config, 'utf8'));
  const pool = createVerifyPool();
  const edge = await startEdgeGateway(config as Parameters<typeof startEdgeGateway>[0], {
    verifier: pool,
    log: pino({ level: values['log-level'] ?? 'warn', redact: logRedaction }, pino.destination(2)),
  });
  write(`edge running ${edge.edgeId}${edge.httpUrl ? ` ${edge.httpUrl}` : ''}`);
  await untilSignal(write);
  await edge.stop();
  await pool.close();
  write('stopped cleanly.');
  return 0;
}
