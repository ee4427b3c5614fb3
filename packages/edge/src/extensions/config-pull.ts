import type { EdgeConfigAnswer } from '@fieldproof/protocol';
import type { EdgeContext, EdgeExtension } from '../context.ts';
import { applyKeyRotation } from '../operations/apply-key-rotation.ts';
import { applyRemoteConfig, writeRemoteConfig } from '../operations/remote-config.ts';
import { createSignedRequester } from '../operations/signed-request.ts';

/**
 * The config-pull extension: every `operations.configPullIntervalMs` it asks the cloud for this
 * edge's config (GET /v1/edges/:id/config, signed with the edge key). A version above the applied
 * one is validated as a whole config first: a bad one is refused (logged, reported in heartbeats
 * and the status) and never applied; a good one changes live what can (batch, uplink, heartbeat
 * interval), is persisted, and names the settings that wait for a restart. The answer also says
 * whether a key rotation was approved; the switch happens here (applyKeyRotation).
 */
export function createConfigPullExtension(
  context: EdgeContext,
  localInput: Record<string, unknown>,
): EdgeExtension & { pullNow(): Promise<void> } {
  const { config, log } = context;
  const operations = context.operations;
  const request = createSignedRequester(context);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;

  async function pull(): Promise<void> {
    const answer = await request('GET', `/v1/edges/${encodeURIComponent(config.edgeId)}/config`);
    if (answer.status !== 200) {
      log.warn({ status: answer.status, answer: answer.json }, 'config pull refused by the cloud');
      return;
    }
    const { document, keyRotation } = answer.json as EdgeConfigAnswer;
    applyKeyRotation(context, keyRotation);
    if (!document || !operations || document.version <= operations.configVersion) return;
    if (operations.configRefused?.version === document.version) return; // refused already; wait for a newer one
    const result = applyRemoteConfig(config, localInput, document);
    if (!result.applied) {
      operations.configRefused = { version: result.version, reason: result.reason.slice(0, 2_000) };
      log.error({ version: result.version, reason: result.reason }, 'remote config refused: it does not validate');
      return;
    }
    writeRemoteConfig(config.dataDir, document);
    operations.configVersion = result.version;
    operations.configRefused = null;
    operations.configPendingRestart = result.pendingRestart;
    log.info(
      { version: result.version, changedLive: result.changedLive, pendingRestart: result.pendingRestart },
      result.pendingRestart.length > 0
        ? `remote config applied; ${result.pendingRestart.join(', ')} take effect at the next restart`
        : 'remote config applied',
    );
  }

  // A call while one runs waits for it and then starts a fresh one (that sees the state of now).
  const pullNow = async (): Promise<void> => {
    while (running) await running;
    running = pull()
      .catch((error) => log.warn({ err: error }, `config pull failed: ${(error as Error).message}`))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const arm = () => {
    if (stopped || config.operations.configPullIntervalMs === 0) return;
    timer = setTimeout(async () => {
      await pullNow();
      arm();
    }, config.operations.configPullIntervalMs);
    timer.unref();
  };

  return {
    name: 'config-pull',
    pullNow,
    async start() {
      if (config.operations.configPullIntervalMs === 0) return;
      void pullNow();
      arm();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
