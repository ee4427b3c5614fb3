import type { FrameBus, FrameBusConsumer } from '../bus/frame-bus.ts';
import { openJetStreamFrameBus } from '../bus/jetstream-frame-bus.ts';
import type { CloudContext } from '../context.ts';
import type { DirectIngestConfig } from '../direct-ingest/direct-ingest-config.ts';
import { loadDirectIngestEdge } from '../direct-ingest/load-direct-ingest-edge.ts';
import { sequenceDirectFrames } from '../direct-ingest/sequence-direct-frames.ts';
import type { DirectIngest } from '../direct-ingest/start-direct-ingest.ts';
import { publishCheckpoint } from '../workers/checkpointer.ts';
import { acquireSequencerLease, type SequencerLease } from './acquire-sequencer-lease.ts';
import { type CloudRole, cloudRoles, type ScaleOutConfig } from './scale-out-config.ts';

/** The scale-out parts of one cloud process (docs/scale-out.md). */
export interface ScaleOut {
  /** The roles this process runs. */
  roles: ReadonlySet<CloudRole>;
  /** The JetStream frame bus (ingest publishes, the sequencer consumes). */
  bus: FrameBus;
  /** Whether this process runs `role`. */
  runs(role: CloudRole): boolean;
  /**
   * The sequencer role, after the API listens and direct ingest is up: wait for the log's lease,
   * then consume the bus into the log and sign checkpoints, until stopped or the lease is lost
   * (then it waits for the lease again). Does nothing in a process without the sequencer role.
   */
  startSequencer(directIngest: DirectIngest | undefined): void;
  /** Whether this process holds the sequencer lease now. */
  readonly leaseHeld: boolean;
  /** Stop consuming and signing (a last checkpoint while the lease is held), release it, close the bus. */
  stop(): Promise<void>;
}

/** The roles a config runs: every role in the embedded default (no `scaleOut` block). */
export function configuredRoles(scaleOut: ScaleOutConfig | undefined): ReadonlySet<CloudRole> {
  return new Set(scaleOut?.roles ?? cloudRoles);
}

/**
 * The direct-ingest settings for this process's roles: the MQTT and CoAP transports run on ingest
 * nodes only (an MQTT client on a sequencer would take a share of the frames it should not).
 */
export function directIngestForRoles(settings: DirectIngestConfig, roles: ReadonlySet<CloudRole>): DirectIngestConfig {
  if (roles.has('ingest')) return settings;
  return { ...settings, https: false, mqtt: undefined, coap: undefined };
}

/**
 * Open the scale-out parts: the JetStream bus (stream and durable consumer created if missing).
 * Precondition: `context.config.scaleOut` is set and the store is PostgreSQL (the config checks it).
 */
export async function openScaleOut(context: CloudContext, settings: ScaleOutConfig): Promise<ScaleOut> {
  const { config } = context;
  if (config.store.kind !== 'postgres') throw new Error('scale-out needs the PostgreSQL store');
  const store = config.store;
  const roles = configuredRoles(settings);
  const log = context.log.child({ module: 'scale-out', node: settings.nodeId });
  const bus = await openJetStreamFrameBus({
    ...settings.bus,
    name: `fieldproof-${settings.nodeId}-${[...roles].join('+')}`,
    log,
  });
  const abort = new AbortController();
  let lease: SequencerLease | undefined;
  let consumer: FrameBusConsumer | undefined;
  let checkpointTimer: NodeJS.Timeout | undefined;
  let checkpointing: Promise<unknown> | undefined;
  let sequencerLoop: Promise<void> | undefined;

  /** Sign a checkpoint of the stored log (other roles append decisions and edge batches too). */
  const checkpoint = async () => {
    // An empty write takes the log lock and reloads the frontier when another process appended.
    await context.sequencer.write(async () => undefined);
    return publishCheckpoint(context);
  };

  const runSequencer = async (directIngest: DirectIngest | undefined) => {
    const direct = config.directIngest;
    while (!abort.signal.aborted) {
      lease = await acquireSequencerLease({
        url: store.url,
        schema: store.schema,
        logKey: context.origin,
        retryMs: settings.sequencer.leaseRetryMs,
        signal: abort.signal,
        onWait: () => log.warn('another sequencer holds this log; waiting for its lease'),
      });
      if (!lease) return;
      log.info({ origin: context.origin }, 'sequencer lease taken');
      const held = lease;
      if (direct && directIngest) {
        const edge = await loadDirectIngestEdge(context.store, {
          dataDir: config.dataDir,
          edgeId: direct.edgeId,
          nowMs: context.clock(),
        });
        const batchFramesMax = Math.min(direct.batchFramesMax, config.limits.batchFramesMax);
        consumer = bus.consume(
          async (deliveries) => {
            if (!held.held) {
              for (const delivery of deliveries) await delivery.nak(direct.retryDelayMs);
              return;
            }
            try {
              await sequenceDirectFrames(context, {
                deliveries,
                edge,
                batchFramesMax,
                retryDelayMs: direct.retryDelayMs,
                metrics: directIngest.metrics,
              });
            } catch (error) {
              log.error({ err: error, frames: deliveries.length }, 'direct batch failed; frames go back to the bus');
              for (const delivery of deliveries) await delivery.nak(direct.retryDelayMs);
            }
          },
          { max: batchFramesMax, waitMs: direct.batchWaitMs },
        );
      }
      await new Promise<void>((resolve) => {
        if (abort.signal.aborted) return resolve();
        abort.signal.addEventListener(
          'abort',
          () => {
            clearInterval(checkpointTimer);
            resolve();
          },
          { once: true },
        );
        checkpointTimer = setInterval(() => {
          if (!held.held || abort.signal.aborted) {
            clearInterval(checkpointTimer);
            resolve();
            return;
          }
          if (checkpointing) return;
          checkpointing = checkpoint()
            .catch((error) => log.error({ err: error }, 'checkpoint failed'))
            .finally(() => {
              checkpointing = undefined;
            });
        }, config.checkpointIntervalMs);
      });
      await consumer?.stop();
      consumer = undefined;
      await checkpointing;
      if (!abort.signal.aborted) log.error('sequencer lease lost (store connection closed); waiting for it again');
    }
  };

  return {
    roles,
    bus,
    runs: (role) => roles.has(role),
    get leaseHeld() {
      return lease?.held === true;
    },
    startSequencer(directIngest) {
      if (!roles.has('sequencer') || sequencerLoop) return;
      sequencerLoop = runSequencer(directIngest).catch((error) => log.error({ err: error }, 'sequencer stopped'));
    },
    async stop() {
      abort.abort();
      // The loop stops the consumer (the batch in progress finishes) and waits for a checkpoint in flight.
      await sequencerLoop;
      if (lease?.held) await checkpoint().catch((error) => log.error({ err: error }, 'last checkpoint failed'));
      await lease?.release();
      await bus.close();
    },
  };
}
