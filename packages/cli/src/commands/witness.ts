import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fromBase64, isLoopbackHost, TrustFileSchema } from '@fieldproof/protocol';
import pino from 'pino';
import { logRedaction } from '../tls/log-redaction.ts';
import { startWitness } from '../witness/start-witness.ts';

export { type StartWitnessOptions, startWitness, type Witness } from '../witness/start-witness.ts';

const usage = `fieldproof witness --name <key name> --trust <keys.json> [options]
  Run one consortium member's witness (c2sp.org/tlog-witness): it cosigns the log's checkpoints
  after checking consistency, and refuses, keeps the evidence and raises an alert otherwise.
  --name witness.bank.example/w1   the name on its cosignatures
  --trust keys.json                 trust file naming the log's key (GET /v1/trust of the cloud)
  --origin <origin>                 which log of the trust file, if it names several
  --data-dir ./data/witness         its key and state
  --log-url http://127.0.0.1:8080   fetch checkpoints from the log too (optional)
  --poll-ms 5000                    how often to fetch (with --log-url)
  --host 127.0.0.1  --port 8090  --log-level info
  --tls-cert cert.pem --tls-key key.pem   serve https (required off loopback)
  --log-ca ca.pem                   the CA of an https --log-url (e.g. <data>/tls/ca.pem)`;

/** `fieldproof witness`: run a witness until SIGINT or SIGTERM. Exit code 0 when stopped, 2 for bad options. */
export async function runWitness(args: string[], write: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      trust: { type: 'string' },
      origin: { type: 'string' },
      'data-dir': { type: 'string' },
      'log-url': { type: 'string' },
      'poll-ms': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'log-level': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'log-ca': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    write(usage);
    return 0;
  }
  if (!values.name || !values.trust) {
    write(usage);
    return 2;
  }
  const port = Number(values.port ?? 8090);
  const pollIntervalMs = Number(values['poll-ms'] ?? 5000);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(pollIntervalMs) || pollIntervalMs < 0) {
    write('--port must be a port number and --poll-ms a non-negative integer');
    return 2;
  }
  let trustJson: unknown;
  try {
    trustJson = JSON.parse(readFileSync(values.trust, 'utf8'));
  } catch (error) {
    write(`cannot read trust file ${values.trust}: ${(error as Error).message}`);
    return 2;
  }
  const trust = TrustFileSchema.safeParse(trustJson);
  if (!trust.success) {
    write(
      `trust file ${values.trust} is not valid: ${trust.error.issues[0]?.path.join('.')}: ${trust.error.issues[0]?.message}`,
    );
    return 2;
  }
  const origins = Object.keys(trust.data.logs);
  const origin = values.origin ?? (origins.length === 1 ? origins[0] : undefined);
  const entry = origin === undefined ? undefined : trust.data.logs[origin];
  const publicKey = entry ? fromBase64(entry.publicKey) : undefined;
  if (origin === undefined || !entry || !publicKey) {
    write(`name the log with --origin; the trust file has: ${origins.join(', ') || 'no logs'}`);
    return 2;
  }
  const host = values.host ?? '127.0.0.1';
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) {
    write('give --tls-cert and --tls-key together');
    return 2;
  }
  if (!values['tls-cert'] && !isLoopbackHost(host)) {
    write(`plain HTTP on ${host} would cross the network unencrypted; give --tls-cert and --tls-key`);
    return 2;
  }
  const witness = await startWitness({
    name: values.name,
    dataDir: resolve(values['data-dir'] ?? './data/witness'),
    ...(values['log-url'] ? { logUrl: values['log-url'] } : {}),
    logKey: { origin, keyName: entry.keyName, alg: entry.alg, publicKey },
    host,
    port,
    ...(values['tls-cert'] && values['tls-key']
      ? { tls: { certFile: values['tls-cert'], keyFile: values['tls-key'], clientCertificates: 'none' as const } }
      : {}),
    ...(values['log-ca'] ? { logTls: { ca: readFileSync(values['log-ca']) } } : {}),
    pollIntervalMs: values['log-url'] ? pollIntervalMs : 0,
    log: pino(
      { level: values['log-level'] ?? 'info', redact: logRedaction, name: `witness ${values.name}` },
      pino.destination(2),
    ),
  });
  write(`witness ${values.name} for ${origin} listening on ${witness.url}`);
  write(`verifier key: ${witness.vkey}`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await witness.stop();
  return 0;
}
