import { edgeKeyId, type Heartbeat, heartbeatDevicesMax, type KeyRotationState } from '@fieldproof/protocol';
import { keylessDeviceIds } from '../config.ts';
import type { AcquisitionDeviceStatus, EdgeContext, EdgeExtension } from '../context.ts';
import { applyKeyRotation } from '../operations/apply-key-rotation.ts';
import { createSignedRequester } from '../operations/signed-request.ts';

/**
 * The heartbeat extension: every `operations.heartbeatIntervalMs` it posts the edge's health to
 * POST /v1/edges/:id/heartbeats (signed with the edge key): queue depth, oldest unsent age, inbox,
 * derived events unsent, applied config version (and a refused one), key id, and each device's
 * state (last seq, last seen; connection and acquisition errors for keyless devices). The answer
 * carries the key rotation state, acted on at once (applyKeyRotation). A failed heartbeat is
 * logged and the next one tries again; the cloud marks the edge offline after missing several.
 */
export function createHeartbeatExtension(
  context: EdgeContext,
  acquisition: () => Record<string, AcquisitionDeviceStatus>,
): EdgeExtension & { beatNow(): Promise<void>; sent(): number } {
  const { config, store, log } = context;
  const request = createSignedRequester(context);
  const lastSeen = store.db.prepare<[string]>(
    'SELECT received_at_ms FROM frame WHERE device_id = ? ORDER BY seq DESC LIMIT 1',
  );
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;
  let sent = 0;

  function heartbeat(): Heartbeat & { intervalMs: number } {
    const outbox = store.outboxStats();
    const keyless = new Set(keylessDeviceIds(config));
    const acquired = acquisition();
    const now = context.clock();
    const devices = store
      .devices()
      .slice(0, heartbeatDevicesMax)
      .map((row) => {
        const seen = (lastSeen.get(row.device_id) as { received_at_ms: number } | undefined)?.received_at_ms ?? null;
        const status = acquired[row.device_id];
        return keyless.has(row.device_id)
          ? {
              deviceId: row.device_id,
              attestation: 'edge-attested' as const,
              lastSeq: row.last_seq,
              lastSeenMs: status?.lastFrameAtMs ?? seen,
              connected: status?.connected ?? false,
              errors: status?.errors ?? 0,
              lastError: status?.lastError?.slice(0, 500) ?? null,
            }
          : { deviceId: row.device_id, attestation: 'device-signed' as const, lastSeq: row.last_seq, lastSeenMs: seen };
      });
    const operations = context.operations;
    return {
      sentAtMs: now,
      intervalMs: config.operations.heartbeatIntervalMs,
      queueFrames: context.backlog.held,
      queueBatches: outbox.batches,
      oldestUnsentAgeMs: outbox.oldest === null ? null : Math.max(0, now - outbox.oldest),
      inbox: store.rawCount(),
      eventsUnsent: store.eventCounts().unsent,
      configVersion: operations?.configVersion ?? 0,
      configRefused: operations?.configRefused ?? null,
      configPendingRestart: operations?.configPendingRestart ?? [],
      keyId: edgeKeyId(context.signer.publicKey),
      lastBatchSeq: store.lastBatch()?.batch_seq ?? -1,
      backPressure: context.backlog.full,
      devices,
    };
  }

  async function beat(): Promise<void> {
    const answer = await request('POST', `/v1/edges/${encodeURIComponent(config.edgeId)}/heartbeats`, heartbeat());
    if (answer.status !== 202) {
      log.warn({ status: answer.status, answer: answer.json }, 'heartbeat refused by the cloud');
      return;
    }
    sent++;
    applyKeyRotation(context, (answer.json as { keyRotation: KeyRotationState | null }).keyRotation);
  }

  // A call while one runs waits for it and then starts a fresh one (that sees the state of now).
  const beatNow = async (): Promise<void> => {
    while (running) await running;
    running = beat()
      .catch((error) => log.warn({ err: error }, `heartbeat failed: ${(error as Error).message}`))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const arm = () => {
    // The interval is read each time: a remote config changes it live.
    if (stopped || config.operations.heartbeatIntervalMs === 0) return;
    timer = setTimeout(async () => {
      await beatNow();
      arm();
    }, config.operations.heartbeatIntervalMs);
    timer.unref();
  };

  return {
    name: 'heartbeat',
    beatNow,
    sent: () => sent,
    async start() {
      if (config.operations.heartbeatIntervalMs === 0) return;
      void beatNow();
      arm();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
