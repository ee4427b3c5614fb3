import { createHash } from 'node:crypto';
import { canonicalize } from '@fieldproof/protocol';
import type { WebhookStore } from './webhook-store.ts';

/** Where deliveries are queued. */
export interface EnqueueWebhookEventDependencies {
  /** The webhook tables. */
  webhooks: WebhookStore;
  /** Now, UTC ms. */
  clock: () => number;
}

/** One event for every subscription that wants its type. */
export interface EnqueueWebhookEventParameters {
  /** Its type, e.g. `alert.raised`. */
  eventType: string;
  /** Its id (an alert id …): a second enqueue of the same id is a no-op. */
  eventId: string;
  /** The event's data (JSON; money as decimal strings). */
  data: unknown;
  /**
   * The organisation the event is about (an alert's bank): only its subscriptions and the
   * platform's get it. Undefined: the platform's subscriptions only.
   */
  organisationId?: string;
}

/** What was queued. */
export interface EnqueueWebhookEventResult {
  /** Deliveries queued now (one per matching subscription not already holding the event). */
  queued: number;
}

/**
 * Queue an event for delivery to every active subscription whose types include it (or `*`) and
 * that is the platform's or the event's organisation's (docs/access-control.md). The
 * body `{id, type, createdAtMs, data}` is fixed here, so every retry sends the same bytes.
 */
export async function enqueueWebhookEvent(
  dependencies: EnqueueWebhookEventDependencies,
  parameters: EnqueueWebhookEventParameters,
): Promise<EnqueueWebhookEventResult> {
  const nowMs = dependencies.clock();
  const body = canonicalize({
    id: parameters.eventId,
    type: parameters.eventType,
    createdAtMs: nowMs,
    data: parameters.data as never,
  });
  let queued = 0;
  for (const subscription of await dependencies.webhooks.listSubscriptions()) {
    if (!subscription.eventTypes.includes('*') && !subscription.eventTypes.includes(parameters.eventType)) continue;
    // Tenancy: another organisation's subscriber never hears of this organisation's finance.
    const owner = subscription.organisationId ?? null;
    if (owner !== null && owner !== parameters.organisationId) continue;
    const deliveryId = `whd_${createHash('sha256').update(`${subscription.subscriptionId}\u0000${parameters.eventId}`).digest('hex').slice(0, 32)}`;
    const inserted = await dependencies.webhooks.insertDelivery({
      deliveryId,
      subscriptionId: subscription.subscriptionId,
      eventId: parameters.eventId,
      eventType: parameters.eventType,
      body,
      state: 'pending',
      attempts: 0,
      nextAttemptAtMs: nowMs,
      lastStatus: null,
      lastError: null,
      createdAtMs: nowMs,
      deliveredAtMs: null,
    });
    if (inserted) queued++;
  }
  return { queued };
}
