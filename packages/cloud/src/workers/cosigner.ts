import {
  formatAddCheckpointRequest,
  parseNote,
  proveConsistency,
  verifyCosignature,
  type WitnessCheckpointRequest,
} from '@fieldproof/ledger';
import type { FetchLike } from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import { witnessPolicy } from '../log/witness-policy.ts';

/** Largest witness answer read, in bytes: one cosignature line, or a size for 409. */
export const witnessAnswerBytesMax = 4_096;

/** Stable codes of a failed add-checkpoint exchange with one witness. */
export type CosignFailureCode =
  /** The witness could not be reached, or did not answer within witnessTimeoutMs. */
  | 'witness_unreachable'
  /** The witness answered 409 twice, or with a size that is not one of ours. */
  | 'witness_conflict'
  /** The witness refused the checkpoint (its own code is in the log line). */
  | 'witness_refused'
  /** The witness answered 200 with a line that is not its valid cosignature of the checkpoint. */
  | 'cosignature_invalid';

/** One failed exchange with a witness; the code is stable, the message names sizes, never keys. */
export class CosignFailure extends Error {
  constructor(
    /** Stable code. */
    readonly code: CosignFailureCode,
    message: string,
    /** The witness's own refusal code, from its `fieldproof-witness-code` header, if it sent one. */
    readonly witnessCode?: string,
  ) {
    super(message);
    this.name = 'CosignFailure';
  }
}

/** The running cosigning worker. */
export interface Cosigner {
  /** Send the latest checkpoint to every witness that has not cosigned it (waits for the pass to end). */
  cosignNow(): Promise<void>;
  /** Ask for a pass soon (after a new checkpoint); returns at once. */
  trigger(): void;
  /** Stop the timer, abort requests under way and wait for the pass to end. */
  stop(): Promise<void>;
}

interface WitnessRetry {
  failuresInRow: number;
  nextAttemptAtMs: number;
}

const decimalLine = /^(?:0|[1-9][0-9]*)\n?$/;

/** A witness URL fit for a log line: any user name or password in it is left out. */
function loggableUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/$/, '')}`;
}

async function readAnswer(response: Response): Promise<string> {
  const text = await response.text();
  return text.length > witnessAnswerBytesMax ? '' : text;
}

/**
 * Start the cosigning worker (c2sp.org/tlog-witness, the log's side): after each new checkpoint,
 * and every checkpointIntervalMs for retries, send the latest checkpoint to each configured
 * witness that has no stored cosignature of it, as `old <size it last cosigned for us>` plus the
 * RFC 9162 consistency proof from that size (none from 0). A 409 answers the witness's size: the
 * request is retried once from it. A 200 answer must be the witness's valid cosignature/v1 line
 * of the checkpoint (verifyCosignature) and is stored with the witness's new size. A failing
 * witness is retried with a doubling pause up to witnessBackoffMaxMs; the log keeps growing
 * meanwhile (finality waits). Log lines carry codes, names, URLs and sizes, never key material.
 * With no witnesses configured it does nothing.
 */
export function startCosigner(context: CloudContext, options: { fetch?: FetchLike } = {}): Cosigner {
  // A TLS fetch trusts the witnesses' CA (clientTls.caFile); global fetch trusts the system store.
  const send: FetchLike = options.fetch ?? fetch;
  const { config, store, cosignatures, log } = context;
  const policy = witnessPolicy(context);
  const retries = new Map<string, WitnessRetry>();
  const controller = new AbortController();
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function post(url: string, request: WitnessCheckpointRequest): Promise<Response> {
    try {
      return await send(new URL('add-checkpoint', url.endsWith('/') ? url : `${url}/`), {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: formatAddCheckpointRequest(request),
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(config.witnessTimeoutMs)]),
      });
    } catch (error) {
      throw new CosignFailure(
        'witness_unreachable',
        `POST ${loggableUrl(url)}/add-checkpoint failed: ${(error as Error).message}`,
      );
    }
  }

  async function cosignWith(index: number, checkpoint: { size: number; note: string }): Promise<void> {
    const witness = config.witnesses[index];
    const key = policy.witnesses[index];
    if (!witness || !key) throw new Error(`invariant violated: no witness ${index}`);
    const body = parseNote(checkpoint.note).body;
    let oldSize = await cosignatures.witnessSize(witness.name);
    for (let attempt = 0; attempt < 2; attempt++) {
      // A witness ahead of our latest checkpoint cannot be sent a proof; it gets old = its size and refuses.
      const consistencyProof =
        oldSize > 0 && oldSize < checkpoint.size
          ? await proveConsistency(context.suite, { size1: oldSize, size2: checkpoint.size }, store)
          : [];
      const response = await post(witness.url, { oldSize, consistencyProof, checkpointNote: checkpoint.note });
      const text = await readAnswer(response);
      const witnessCode = response.headers.get('fieldproof-witness-code') ?? undefined;
      if (response.status === 200) {
        const verdict = verifyCosignature({ checkpointBody: body, signature: text, key });
        if (!verdict.ok) {
          throw new CosignFailure(
            'cosignature_invalid',
            `witness ${witness.name} answered a line that is not its cosignature of size ${checkpoint.size} (${verdict.reason})`,
          );
        }
        await cosignatures.recordCosignature(
          checkpoint.size,
          witness.name,
          text.endsWith('\n') ? text : `${text}\n`,
          context.clock(),
        );
        return;
      }
      if (response.status === 409 && attempt === 0 && decimalLine.test(text)) {
        const witnessSize = Number(text.trim());
        if (witnessSize !== oldSize && witnessSize <= checkpoint.size && Number.isSafeInteger(witnessSize)) {
          log.info(
            { witness: witness.name, oldSize, witnessSize, code: witnessCode },
            'witness last cosigned another size; retrying from it',
          );
          await cosignatures.setWitnessSize(witness.name, witnessSize);
          oldSize = witnessSize;
          continue;
        }
      }
      if (response.status === 409) {
        throw new CosignFailure(
          'witness_conflict',
          `witness ${witness.name} refused size ${checkpoint.size} from old size ${oldSize} (409: ${text.trim().slice(0, 200)})`,
          witnessCode,
        );
      }
      throw new CosignFailure(
        'witness_refused',
        `witness ${witness.name} refused size ${checkpoint.size}: ${response.status} ${text.slice(0, 200)}`,
        witnessCode,
      );
    }
  }

  async function pass(): Promise<void> {
    const latest = await store.latestCheckpoint();
    if (!latest) return;
    const nowMs = context.clock();
    await Promise.all(
      config.witnesses.map(async (witness, index) => {
        const retry = retries.get(witness.name) ?? { failuresInRow: 0, nextAttemptAtMs: 0 };
        if (nowMs < retry.nextAttemptAtMs || (await cosignatures.hasCosignature(latest.size, witness.name))) return;
        try {
          await cosignWith(index, latest);
          retries.delete(witness.name);
        } catch (error) {
          if (stopped) return;
          const failuresInRow = retry.failuresInRow + 1;
          const pauseMs = Math.min(
            config.checkpointIntervalMs * 2 ** Math.min(failuresInRow, 20),
            config.witnessBackoffMaxMs,
          );
          retries.set(witness.name, { failuresInRow, nextAttemptAtMs: context.clock() + pauseMs });
          const failure =
            error instanceof CosignFailure
              ? error
              : new CosignFailure(
                  'witness_refused',
                  `add-checkpoint to ${witness.name} failed: ${(error as Error).message}`,
                );
          log.warn(
            {
              code: failure.code,
              witnessCode: failure.witnessCode,
              witness: witness.name,
              url: loggableUrl(witness.url),
              size: latest.size,
              failuresInRow,
              retryInMs: pauseMs,
            },
            failure.message,
          );
        }
      }),
    );
  }

  function trigger(): void {
    if (stopped || config.witnesses.length === 0) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await pass();
      } while (again && !stopped);
    })()
      .catch((error: unknown) => log.error({ err: error, code: 'cosigner_failed' }, 'cosigning pass failed'))
      .finally(() => {
        running = undefined;
      });
  }

  const timer = config.witnesses.length > 0 ? setInterval(trigger, config.checkpointIntervalMs) : undefined;
  return {
    trigger,
    async cosignNow() {
      trigger();
      while (running) await running;
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      controller.abort();
      await running;
    },
  };
}
