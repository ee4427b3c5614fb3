import type { Logger } from 'pino';
import { signWebhook, webhookSignatureHeader } from '../webhooks/sign-webhook.ts';
import type { WebhookDelivery, WebhookStore } from '../webhooks/webhook-store.ts';

/** Limits and timing of webhook delivery. */
export interface WebhookDelivererOptions {
  /** How often due deliveries are looked for, ms. */
  pollIntervalMs: number;
  /** Attempts before a delivery is marked failed. */
  attemptsMax: number;
  /** Delay before the second attempt, ms; each later one doubles it. */
  backoffBaseMs: number;
  /** Longest delay between attempts, ms. */
  backoffMaxMs: number;
  /** One attempt's time limit, ms. */
  requestTimeoutMs: number;
  /** Deliveries sent per poll. */
  deliveriesPerPollMax: number;
}

/** Defaults: 8 attempts, 1 s doubling to at most 10 min (about 20 minutes in all), 10 s per request. */
export const webhookDelivererDefaults: WebhookDelivererOptions = {
  pollIntervalMs: 500,
  attemptsMax: 8,
  backoffBaseMs: 1_000,
  backoffMaxMs: 600_000,
  requestTimeoutMs: 10_000,
  deliveriesPerPollMax: 50,
};

/** The running worker. */
export interface WebhookDeliverer {
  /** Deliver what is due now (also runs on the interval). */
  runOnce(): Promise<number>;
  /** Stop polling and wait for the attempt under way. */
  stop(): Promise<void>;
}

/** Delay before attempt n + 1 after n failed attempts: base × 2^(n−1), capped. */
export function webhookBackoffMs(options: WebhookDelivererOptions, attemptsMade: number): number {
  return Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** Math.max(0, attemptsMade - 1));
}

/**
 * The webhook worker: POSTs each due delivery with `content-type: application/json`,
 * `Fieldproof-Signature: t=<ms>,v1=<hex HMAC-SHA256(secret, "<ms>." + body)>`,
 * `Fieldproof-Delivery-Id` and `Fieldproof-Event-Type`. A 2xx marks it delivered; anything else
 * (status, timeout, refused connection) schedules a retry with exponential backoff until
 * attemptsMax, then marks it failed. Every attempt's outcome is written to the delivery log.
 */
export function startWebhookDeliverer(
  dependencies: { webhooks: WebhookStore; clock: () => number; log: Logger; fetch?: typeof fetch },
  options: WebhookDelivererOptions = webhookDelivererDefaults,
): WebhookDeliverer {
  const send = dependencies.fetch ?? fetch;
  let running: Promise<number> = Promise.resolve(0);
  let stopped = false;
  const attempt = async (delivery: WebhookDelivery): Promise<void> => {
    const subscription = await dependencies.webhooks.getSubscription(delivery.subscriptionId);
    const attempts = delivery.attempts + 1;
    let status: number | null = null;
    let error: string | null = null;
    if (!subscription?.active) {
      error = 'subscription deleted';
    } else {
      const timestampMs = dependencies.clock();
      try {
        const response = await send(subscription.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [webhookSignatureHeader]: signWebhook({ secret: subscription.secret, timestampMs, body: delivery.body }),
            'fieldproof-delivery-id': delivery.deliveryId,
            'fieldproof-event-type': delivery.eventType,
          },
          body: delivery.body,
          signal: AbortSignal.timeout(options.requestTimeoutMs),
        });
        status = response.status;
        await response.body?.cancel();
        if (!response.ok) error = `HTTP ${response.status}`;
      } catch (thrown) {
        error = (thrown as Error).message;
      }
    }
    const nowMs = dependencies.clock();
    const delivered = error === null;
    const exhausted = !delivered && (attempts >= options.attemptsMax || !subscription?.active);
    await dependencies.webhooks.updateDelivery({
      ...delivery,
      attempts,
      state: delivered ? 'delivered' : exhausted ? 'failed' : 'pending',
      nextAttemptAtMs: delivered || exhausted ? delivery.nextAttemptAtMs : nowMs + webhookBackoffMs(options, attempts),
      lastStatus: status,
      lastError: error,
      deliveredAtMs: delivered ? nowMs : null,
    });
    if (!delivered) {
      dependencies.log.warn({ deliveryId: delivery.deliveryId, attempts, error }, 'webhook delivery failed');
    }
  };
  const runOnce = (): Promise<number> => {
    running = running
      .catch(() => 0)
      .then(async () => {
        if (stopped) return 0;
        const due = await dependencies.webhooks.dueDeliveries(dependencies.clock(), options.deliveriesPerPollMax);
        await Promise.all(due.map(attempt));
        return due.length;
      });
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => dependencies.log.error({ err: error }, 'webhook worker'));
  }, options.pollIntervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running.catch(() => 0);
      stopped = true;
    },
  };
}
