import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { verify } from './signatures.ts';
import { nativeSm2, nativeSm2AddonPath } from './sm2-native.ts';
import type { SignatureAlgorithm } from './types.ts';

/** One signature to check. SM2 items use the default signer ID `1234567812345678`. */
export interface VerifyItem {
  /** Signature algorithm of `publicKey`. */
  alg: SignatureAlgorithm;
  /** Raw public key bytes (see SignatureAlgorithm for the encodings). */
  publicKey: Uint8Array;
  /** The signed message, whole (hashing is part of the algorithm). */
  message: Uint8Array;
  /** The signature, 64 bytes r‖s for every algorithm. */
  signature: Uint8Array;
}

/** Options of createVerifyPool. */
export interface VerifyPoolOptions {
  /** Worker threads; 0 verifies inline on the calling thread. Default: os.availableParallelism(). */
  threads?: number;
  /** Most items queued or being verified at once across all calls; beyond it a call is rejected. */
  queueMax?: number;
}

/** A pool of worker threads that verify signatures off the calling thread. */
export interface VerifyPool {
  /** One boolean per item, in order: exactly what `verify` would return for that item. */
  verifyMany(items: readonly VerifyItem[]): Promise<boolean[]>;
  /** Finish the work already accepted, then stop the threads. Later calls are rejected. */
  close(): Promise<void>;
  /** Worker threads in the pool (0 when verifying inline). */
  readonly threads: number;
}

/** Why a pool refused work: it was full (back off and retry) or it was closed. */
export class VerifyPoolError extends Error {
  /** Stable machine-readable reason. */
  readonly code: 'verify_queue_full' | 'verify_pool_closed';
  constructor(code: VerifyPoolError['code'], message: string) {
    super(message);
    this.name = 'VerifyPoolError';
    this.code = code;
  }
}

/** Default of `queueMax`: about a few seconds of frames for an edge on 2 cores. */
export const verifyQueueMaxDefault = 100_000;
/** Most threads a pool may start. */
export const verifyThreadsMax = 256;
// A chunk below this size costs more in messaging than it saves in parallelism.
const chunkItemsMin = 64;
// Large calls are cut into chunks of at most this many items, so that the threads share them.
const chunkItemsMax = 4_096;

/** Algorithm codes on the wire; keep in step with verify-worker.js. */
const algorithmCodes: Record<SignatureAlgorithm, number> = { ed25519: 1, 'ecdsa-p256': 2, sm2: 3 };

interface Job {
  resolve(results: Uint8Array): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  /** Items posted to this worker and not answered yet. */
  itemsInFlight: number;
  jobs: Map<number, { job: Job; items: number }>;
}

interface WorkerReply {
  id: number;
  results?: ArrayBuffer;
  error?: string;
}

/**
 * Pack items into one transferable buffer (layout described in verify-worker.js). An algorithm
 * outside the union gets code 0, which the worker rejects as `verify` does.
 */
function encodeChunk(items: readonly VerifyItem[], start: number, end: number): ArrayBuffer {
  const count = end - start;
  let byteLength = 4 + count * 16;
  for (let index = start; index < end; index++) {
    const item = items[index] as VerifyItem;
    byteLength += item.publicKey.length + item.message.length + item.signature.length;
  }
  const buffer = new ArrayBuffer(byteLength);
  const header = new Uint32Array(buffer, 0, 1 + count * 4);
  const bytes = new Uint8Array(buffer);
  header[0] = count;
  let offset = 4 + count * 16;
  for (let index = start; index < end; index++) {
    const item = items[index] as VerifyItem;
    const at = 1 + (index - start) * 4;
    header[at] = algorithmCodes[item.alg] ?? 0;
    header[at + 1] = item.publicKey.length;
    header[at + 2] = item.message.length;
    header[at + 3] = item.signature.length;
    bytes.set(item.publicKey, offset);
    offset += item.publicKey.length;
    bytes.set(item.message, offset);
    offset += item.message.length;
    bytes.set(item.signature, offset);
    offset += item.signature.length;
  }
  return buffer;
}

/**
 * Start a verification pool. Preconditions: `threads` is an integer in 0..256 and `queueMax` a
 * positive integer. Each call's items are cut into a few chunks, each sent to the least busy
 * thread as one transferred buffer. Call `close()` when done; idle threads do not keep the
 * process alive.
 */
export function createVerifyPool(options: VerifyPoolOptions = {}): VerifyPool {
  const threads = options.threads ?? availableParallelism();
  const queueMax = options.queueMax ?? verifyQueueMaxDefault;
  if (!Number.isInteger(threads) || threads < 0 || threads > verifyThreadsMax) {
    throw new RangeError(`threads must be an integer from 0 to ${verifyThreadsMax}, got ${threads}`);
  }
  if (!Number.isInteger(queueMax) || queueMax < 1) {
    throw new RangeError(`queueMax must be a positive integer, got ${queueMax}`);
  }

  let closed = false;
  let itemsQueued = 0;
  let nextJobId = 1;
  const callsInFlight = new Set<Promise<unknown>>();
  const slots: Slot[] = [];

  function failJobs(slot: Slot, error: Error): void {
    for (const { job } of slot.jobs.values()) job.reject(error);
    slot.jobs.clear();
    slot.itemsInFlight = 0;
  }

  function startWorker(index: number): void {
    // The worker uses the native SM2 addon exactly when this thread does, so both give one answer.
    const worker = new Worker(new URL('./verify-worker.js', import.meta.url), {
      workerData: { sm2AddonPath: nativeSm2 ? nativeSm2AddonPath : null },
    });
    worker.unref();
    const slot: Slot = { worker, itemsInFlight: 0, jobs: new Map() };
    slots[index] = slot;
    worker.on('message', (reply: WorkerReply) => {
      const entry = slot.jobs.get(reply.id);
      if (!entry) return;
      slot.jobs.delete(reply.id);
      slot.itemsInFlight -= entry.items;
      if (slot.jobs.size === 0) worker.unref();
      if (reply.results) entry.job.resolve(new Uint8Array(reply.results));
      else entry.job.reject(new Error(`verify worker failed: ${reply.error ?? 'no results'}`));
    });
    // A thread that dies takes its chunks with it: fail them, and start a fresh thread in its place.
    worker.on('error', (error) => failJobs(slot, new Error(`verify worker crashed: ${error.message}`)));
    worker.on('exit', (exitCode) => {
      failJobs(slot, new Error(`verify worker exited with code ${exitCode}`));
      if (!closed && slots[index] === slot) startWorker(index);
    });
  }

  for (let index = 0; index < threads; index++) startWorker(index);

  function leastBusySlot(): Slot {
    let best = slots[0] as Slot;
    for (const slot of slots) if (slot.itemsInFlight < best.itemsInFlight) best = slot;
    return best;
  }

  function postChunk(items: readonly VerifyItem[], start: number, end: number): Promise<Uint8Array> {
    const buffer = encodeChunk(items, start, end);
    const slot = leastBusySlot();
    const id = nextJobId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      if (slot.jobs.size === 0) slot.worker.ref();
      slot.jobs.set(id, { job: { resolve, reject }, items: end - start });
      slot.itemsInFlight += end - start;
      slot.worker.postMessage({ id, buffer }, [buffer]);
    });
  }

  async function verifyOnWorkers(items: readonly VerifyItem[]): Promise<boolean[]> {
    const chunkCount = Math.max(
      Math.min(threads, Math.ceil(items.length / chunkItemsMin)),
      Math.ceil(items.length / chunkItemsMax),
    );
    const chunkItems = Math.ceil(items.length / chunkCount);
    const chunks: Promise<Uint8Array>[] = [];
    for (let start = 0; start < items.length; start += chunkItems) {
      chunks.push(postChunk(items, start, Math.min(start + chunkItems, items.length)));
    }
    const answers = await Promise.all(chunks);
    const results = new Array<boolean>(items.length);
    let index = 0;
    for (const answer of answers) for (const byte of answer) results[index++] = byte === 1;
    if (index !== items.length) throw new Error(`verify workers answered ${index} of ${items.length} items`);
    return results;
  }

  async function verifyMany(items: readonly VerifyItem[]): Promise<boolean[]> {
    if (closed) throw new VerifyPoolError('verify_pool_closed', 'the verify pool is closed');
    if (items.length === 0) return [];
    if (itemsQueued + items.length > queueMax) {
      throw new VerifyPoolError(
        'verify_queue_full',
        `the verify pool holds ${itemsQueued} items and may hold ${queueMax} (queueMax); ` +
          `${items.length} more do not fit: retry after a short wait or send smaller calls`,
      );
    }
    if (threads === 0) {
      return items.map((item) => verify(item.alg, item.publicKey, item.message, item.signature));
    }
    itemsQueued += items.length;
    const call = verifyOnWorkers(items);
    callsInFlight.add(call);
    try {
      return await call;
    } finally {
      callsInFlight.delete(call);
      itemsQueued -= items.length;
    }
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await Promise.allSettled([...callsInFlight]);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  return { verifyMany, close, threads };
}

/** What the edge and the cloud need of a verifier: a pool, or `inlineVerifier`. */
export type BulkVerifier = Pick<VerifyPool, 'verifyMany'>;

/** Verifies on the calling thread; the default where no pool is given (tests, tiny deployments). */
export const inlineVerifier: BulkVerifier = {
  async verifyMany(items) {
    return items.map((item) => verify(item.alg, item.publicKey, item.message, item.signature));
  },
};
