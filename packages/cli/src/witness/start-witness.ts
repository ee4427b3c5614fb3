import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  addCheckpointBytesMax,
  type CosignerKey,
  cosignatureKeyId,
  cosignatureSignatureType,
  openCheckpoint,
  parseAddCheckpointRequest,
  type WitnessCheckpointRequest,
  WitnessError,
  type WitnessLogKey,
  type WitnessState,
  witnessCheckpoint,
} from '@fieldproof/ledger';
import {
  createTlsFetch,
  createWebServer,
  type FetchLike,
  fromBase64,
  keyPairSigner,
  loadOrCreateKeyPair,
  type TlsListener,
  type TlsMaterial,
  toBase64,
  toHex,
} from '@fieldproof/protocol';
import Fastify from 'fastify';
import pino, { type Logger } from 'pino';
import { z } from 'zod';
import { type AlertRow, type CheckpointSource, openWitnessStore, type WitnessDecision } from './witness-store.ts';

/** Longest wait for the log when the witness fetches a checkpoint or a proof itself. */
export const logFetchTimeoutMs = 10_000;

/** One consortium member's witness. */
export interface StartWitnessOptions {
  /** The witness's key name on its cosignature lines, e.g. `witness.bank.example/w1`. */
  name: string;
  /** Folder for the witness key (`keys/witness-key.json`) and its state (`witness.db`). */
  dataDir: string;
  /** Base URL of the log's API, to fetch checkpoints and proofs from; none if the log pushes. */
  logUrl?: string;
  /** The log this witness follows and the key its checkpoints must verify under. */
  logKey: WitnessLogKey;
  /** Listen port; 0 picks a free one. */
  port: number;
  /** Listen host. */
  host: string;
  /** Fetch from `logUrl` this often; 0 (the default) fetches only when fetchOnce is called. */
  pollIntervalMs?: number;
  /** Logger; refusals that show log misbehaviour are logged at error level. Info to stderr by default. */
  log?: Logger;
  /** Clock, UTC ms. */
  clock?: () => number;
  /** HTTPS on the witness's listener (its certificate and key). */
  tls?: TlsListener;
  /** For an https logUrl: the CA that issued the log's certificate. */
  logTls?: TlsMaterial;
}

/** The outcome of fetching the log's checkpoint and witnessing it. */
export type WitnessFetchResult = WitnessDecision | { ok: 'unchanged'; size: number };

/** A running witness. */
export interface Witness {
  /** Base URL of its HTTP interface (submission and monitoring prefix alike). */
  url: string;
  /** Its cosigner key: what a k-of-n policy lists. */
  key: CosignerKey;
  /** Its key as a signed-note verifier key, `<name>+<key id hex>+<base64(0x04 ‖ public key)>`. */
  vkey: string;
  /** The latest cosigned checkpoint, if any. */
  state(): WitnessState | undefined;
  /** Fetch the log's latest checkpoint (and a consistency proof) and witness it. Needs `logUrl`. */
  fetchOnce(): Promise<WitnessFetchResult>;
  /** Alerts raised so far, oldest first. */
  alerts(after?: number, limit?: number): AlertRow[];
  /** Stop the poller and the listener, close the store. */
  stop(): Promise<void>;
}

const PageQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

const ProofAnswer = z.object({ from: z.number(), to: z.number(), proof: z.array(z.string()).max(63) }).strict();

async function fetchText(send: FetchLike, url: string): Promise<{ status: number; text: string }> {
  const response = await send(url, { signal: AbortSignal.timeout(logFetchTimeoutMs) });
  return { status: response.status, text: await response.text() };
}

/**
 * Start one consortium member's witness (c2sp.org/tlog-witness): load or create its Ed25519 key
 * in `dataDir/keys`, open its SQLite state in `dataDir/witness.db`, serve `POST /add-checkpoint`,
 * `GET /checkpoint` (the latest cosigned note with this witness's cosignature), `GET /alerts`,
 * `GET /evidence` and `GET /evidence/:id`, and with `logUrl` fetch the log's checkpoints itself.
 * A refusal that shows the log contradicting itself keeps the evidence, raises an alert and is
 * logged at error level. Precondition: `dataDir` is private to this witness.
 */
export async function startWitness(options: StartWitnessOptions): Promise<Witness> {
  const { name, dataDir, logUrl, logKey } = options;
  const clock = options.clock ?? Date.now;
  const log = options.log ?? pino({ level: 'info', name: `witness ${name}` }, pino.destination(2));
  const keyPair = loadOrCreateKeyPair(join(dataDir, 'keys', 'witness-key.json'), 'ed25519');
  const signer = keyPairSigner(keyPair);
  const key: CosignerKey = { keyName: name, publicKey: keyPair.publicKey };
  const vkey = `${name}+${toHex(cosignatureKeyId(name, keyPair.publicKey))}+${toBase64(
    new Uint8Array([cosignatureSignatureType, ...keyPair.publicKey]),
  )}`;
  const store = openWitnessStore(join(dataDir, 'witness.db'));
  const send: FetchLike = options.logTls ? createTlsFetch(options.logTls) : fetch;

  function decide(request: WitnessCheckpointRequest, source: CheckpointSource): WitnessDecision {
    const nowMs = clock();
    const decision = store.decide(logKey.origin, source, nowMs, (state) =>
      witnessCheckpoint(state, request, { logKey, witnessSigner: { keyName: name, signer }, clock: () => nowMs }),
    );
    if (decision.ok) {
      log.info({ origin: logKey.origin, size: decision.newState.size, source }, 'cosigned a checkpoint');
    } else if (decision.alert) {
      log.error(
        {
          origin: logKey.origin,
          code: decision.code,
          alertId: decision.alert.id,
          evidenceId: decision.alert.evidenceId,
          source,
        },
        `witness refused a checkpoint: ${decision.message}`,
      );
    } else {
      log.warn(
        { origin: logKey.origin, code: decision.code, source },
        `witness refused a checkpoint: ${decision.message}`,
      );
    }
    return decision;
  }

  async function fetchOnce(): Promise<WitnessFetchResult> {
    if (!logUrl) throw new Error('this witness has no logUrl to fetch from');
    const base = logUrl.replace(/\/$/, '');
    const checkpoint = await fetchText(send, `${base}/v1/log/checkpoint`);
    if (checkpoint.status !== 200)
      throw new Error(`GET ${base}/v1/log/checkpoint: ${checkpoint.status} ${checkpoint.text}`);
    const state = store.cosigned(logKey.origin)?.state;
    const oldSize = state?.size ?? 0;
    let newSize: number | undefined;
    try {
      newSize = openCheckpoint(checkpoint.text, logKey).size;
    } catch {
      // witnessCheckpoint refuses it below with the precise code.
    }
    if (state && newSize === state.size && checkpoint.text === state.checkpointNote) {
      return { ok: 'unchanged', size: state.size };
    }
    let consistencyProof: Uint8Array[] = [];
    if (state && newSize !== undefined && newSize > oldSize && oldSize > 0) {
      const answer = await fetchText(send, `${base}/v1/log/consistency?from=${oldSize}&to=${newSize}`);
      if (answer.status !== 200) throw new Error(`GET ${base}/v1/log/consistency: ${answer.status} ${answer.text}`);
      const parsed = ProofAnswer.parse(JSON.parse(answer.text));
      consistencyProof = parsed.proof.map((line) => fromBase64(line) ?? new Uint8Array(0));
    }
    return decide({ checkpointNote: checkpoint.text, consistencyProof, oldSize }, 'fetched');
  }

  const tls = options.tls;
  const app = Fastify({
    logger: false,
    bodyLimit: addCheckpointBytesMax,
    serverFactory: (handler) => createWebServer(tls, handler),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof WitnessError) {
      return reply
        .code(error.status)
        .send({ error: { code: error.code, message: error.message, details: error.details } });
    }
    if (error instanceof z.ZodError) {
      const issue = error.issues[0];
      return reply.code(400).send({
        error: { code: 'request_invalid', message: `${issue?.path.join('.') || 'request'}: ${issue?.message}` },
      });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ error: { code: 'request_invalid', message: (error as Error).message } });
    }
    log.error({ err: error }, 'unhandled witness error');
    return reply.code(500).send({ error: { code: 'internal', message: 'an unexpected error; see the witness log' } });
  });
  app.post('/add-checkpoint', async (request, reply) => {
    const text = typeof request.body === 'string' ? request.body : '';
    const decision = decide(parseAddCheckpointRequest(text), 'pushed');
    if (decision.ok) return reply.header('content-type', 'text/plain; charset=utf-8').send(decision.cosignature);
    reply.header('fieldproof-witness-code', decision.code);
    if (decision.status === 409) {
      // c2sp.org/tlog-witness: a 409 answers the size of the latest cosigned checkpoint.
      return reply.code(409).header('content-type', 'text/x.tlog.size').send(`${decision.size}\n`);
    }
    return reply.code(decision.status).send({ error: { code: decision.code, message: decision.message } });
  });
  app.get('/checkpoint', async (_request, reply) => {
    const cosigned = store.cosigned(logKey.origin);
    if (!cosigned) return reply.code(404).send({ error: { code: 'not_found', message: 'nothing cosigned yet' } });
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .send(`${cosigned.state.checkpointNote}${cosigned.cosignature}`);
  });
  app.get('/key', async () => ({ name, publicKey: toBase64(keyPair.publicKey), vkey, origin: logKey.origin }));
  app.get('/alerts', async (request) => {
    const query = PageQuery.parse(request.query);
    return { items: store.alerts(query.after, query.limit) };
  });
  app.get('/evidence', async (request) => {
    const query = PageQuery.parse(request.query);
    return { items: store.evidence(query.after, query.limit) };
  });
  app.get<{ Params: { id: string } }>('/evidence/:id', async (request, reply) => {
    const id = z.coerce.number().int().min(1).parse(request.params.id);
    const row = store.evidenceById(id);
    if (!row) return reply.code(404).send({ error: { code: 'not_found', message: `no evidence ${id}` } });
    return row;
  });
  app.get('/healthz', async () => ({ ok: true }));

  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    store.close();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  // One fetch at a time: a slow log must not pile up requests.
  let polling: Promise<unknown> | undefined;
  const timer =
    logUrl && options.pollIntervalMs
      ? setInterval(() => {
          polling ??= fetchOnce()
            .catch((error: unknown) => log.warn({ err: error }, 'fetching the log failed'))
            .finally(() => {
              polling = undefined;
            });
        }, options.pollIntervalMs)
      : undefined;
  return {
    url: `${tls ? 'https' : 'http'}://${options.host.includes(':') ? `[${options.host}]` : options.host}:${address.port}`,
    key,
    vkey,
    state: () => store.cosigned(logKey.origin)?.state,
    fetchOnce,
    alerts: (after, limit) => store.alerts(after, limit),
    async stop() {
      if (timer) clearInterval(timer);
      await polling;
      await app.close();
      store.close();
    },
  };
}
