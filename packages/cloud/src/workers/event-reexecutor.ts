import type { AlertStore } from '@fieldproof/finance';
import type { EventRegistry } from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import { checkStoredEvent } from '../events/check-stored-event.ts';
import type { EventStore } from '../events/kysely-event-store.ts';

/** The worker that re-executes stored events. */
export interface EventReexecutor {
  /** Look for due events now (after an upload). */
  trigger(): void;
  /** Check every event due now (rounds of checksPerRoundMax until none is due); resolves with how many were checked. */
  runOnce(): Promise<number>;
  /** Stop after the current round. */
  stop(): Promise<void>;
}

/**
 * Start the re-execution worker: every `events.checkIntervalMs` (or when triggered) it checks the
 * pending events that are due, one at a time, with checkStoredEvent. One worker per process;
 * rounds never overlap. An error is logged and the round retried at the next tick.
 */
export function startEventReexecutor(
  context: Pick<CloudContext, 'config' | 'log' | 'clock'> & { events: EventStore; alerts: AlertStore },
  registry: EventRegistry,
): EventReexecutor {
  const { config, log } = context;
  const dependencies = {
    events: context.events,
    alerts: context.alerts,
    registry,
    config: config.events,
    clock: context.clock,
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> = Promise.resolve(0);

  async function round(): Promise<number> {
    let checked = 0;
    for (;;) {
      const due = await context.events.due(context.clock(), config.events.checksPerRoundMax);
      for (const row of due) {
        if (stopped) return checked;
        const result = await checkStoredEvent(dependencies, { row });
        checked++;
        if (result.status === 'mismatch') {
          log.warn({ eventId: row.event_id, edgeId: row.edge_id, alertId: result.alertId }, 'edge event mismatch');
        }
      }
      // Rows left pending were given a later next check, so a full round means more may be due.
      if (due.length < config.events.checksPerRoundMax || stopped) return checked;
    }
  }

  const runOnce = (): Promise<number> => {
    running = running.then(round).catch((error: unknown) => {
      log.error({ err: error }, 'event re-execution round failed');
      return 0;
    });
    return running;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(async () => {
      await runOnce();
      schedule();
    }, config.events.checkIntervalMs);
  };
  schedule();

  return {
    trigger() {
      if (!stopped) void runOnce();
    },
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
