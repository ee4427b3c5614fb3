import { type FieldCipher, isSealedValue } from '../../crypto-at-rest/field-cipher.ts';
import type { CloudStore } from '../../storage/cloud-store.ts';
import { storeKysely } from '../../storage/store-kysely.ts';

/** A webhook subscription: where to send which events, and the secret that signs them. */
export interface WebhookSubscription {
  /** Caller-supplied id. */
  subscriptionId: string;
  /** The receiver's URL (http or https). */
  url: string;
  /** Event types delivered (`alert.raised`, …); `*` is every type. */
  eventTypes: string[];
  /** The HMAC-SHA256 key shared with the receiver. */
  secret: string;
  /** When created, UTC ms. */
  createdAtMs: number;
  /** False once deleted (kept for the delivery log). */
  active: boolean;
  /**
   * The organisation that owns it: it gets only events about that organisation's finance (an
   * alert whose organisation it is). Null or absent: the platform's, which gets every event.
   */
  organisationId?: string | null;
}

/** Delivery states: `pending` (due at nextAttemptAtMs), `delivered` (a 2xx answer), `failed` (attempts exhausted). */
export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed';

/** One event to one subscription, with its attempts. */
export interface WebhookDelivery {
  /** Id of the delivery (sent as `Fieldproof-Delivery-Id`). */
  deliveryId: string;
  /** The subscription. */
  subscriptionId: string;
  /** Id of the event (an alert id, …): one delivery per subscription and event. */
  eventId: string;
  /** Its type. */
  eventType: string;
  /** The JSON body sent, byte for byte the same on every attempt. */
  body: string;
  /** Where it stands. */
  state: WebhookDeliveryState;
  /** Attempts made. */
  attempts: number;
  /** When the next attempt is due, UTC ms. */
  nextAttemptAtMs: number;
  /** HTTP status of the last attempt, null if none answered. */
  lastStatus: number | null;
  /** Why the last attempt failed, null when none did. */
  lastError: string | null;
  /** When queued, UTC ms. */
  createdAtMs: number;
  /** When a 2xx came back, UTC ms. */
  deliveredAtMs: number | null;
}

interface WebhookDatabase {
  webhook_subscription: {
    subscription_id: string;
    url: string;
    event_types: string;
    secret: string;
    created_at_ms: number;
    active: number;
    organisation_id: string | null;
  };
  webhook_delivery: {
    delivery_id: string;
    subscription_id: string;
    event_id: string;
    event_type: string;
    body: string;
    state: string;
    attempts: number;
    next_attempt_at_ms: number;
    last_status: number | null;
    last_error: string | null;
    created_at_ms: number;
    delivered_at_ms: number | null;
  };
}

/** The webhook tables (migration 0006) on the cloud store's Kysely instance. */
export interface WebhookStore {
  /** Insert a subscription; false when the id is taken. */
  insertSubscription(subscription: WebhookSubscription): Promise<boolean>;
  /** The subscription with this id. */
  getSubscription(subscriptionId: string): Promise<WebhookSubscription | undefined>;
  /** Active subscriptions, by id; with `organisationId`, only that organisation's. */
  listSubscriptions(organisationId?: string): Promise<WebhookSubscription[]>;
  /** Mark a subscription inactive; false when unknown. */
  deactivateSubscription(subscriptionId: string): Promise<boolean>;
  /** Queue a delivery; false when this subscription already has this event. */
  insertDelivery(delivery: WebhookDelivery): Promise<boolean>;
  /** Pending deliveries due at nowMs, oldest first, at most `limit`. */
  dueDeliveries(nowMs: number, limit: number): Promise<WebhookDelivery[]>;
  /** Record an attempt's outcome. */
  updateDelivery(delivery: WebhookDelivery): Promise<void>;
  /** The newest deliveries first, optionally of one subscription or state, at most `limit`. */
  listDeliveries(query: {
    subscriptionId?: string;
    state?: WebhookDeliveryState;
    /** Only deliveries to this organisation's subscriptions (filtered in the query). */
    organisationId?: string;
    limit: number;
    /** Only deliveries after this one in the list's order (the last of the previous page). */
    after?: { createdAtMs: number; deliveryId: string };
  }): Promise<WebhookDelivery[]>;
}

/** Where a subscription's secret is stored (bound into its ciphertext). */
export const webhookSecretLocation = (subscriptionId: string) => ({
  table: 'webhook_subscription',
  column: 'secret',
  rowId: subscriptionId,
});

/**
 * A stored secret in clear. A row written before encryption at rest (migration 0013) holds the
 * secret in plaintext: it still reads, and the start-up sweep or `fieldproof keys rotate
 * --data-keys` seals it (docs/encryption-at-rest.md).
 */
export async function openWebhookSecret(
  cipher: FieldCipher | undefined,
  subscriptionId: string,
  stored: string,
): Promise<string> {
  if (!isSealedValue(stored)) return stored;
  if (!cipher) throw new Error('invariant violated: a sealed webhook secret is read with a field cipher');
  return cipher.decrypt(webhookSecretLocation(subscriptionId), stored);
}

/** A secret as stored: sealed under the webhook_secret data key (in clear only for a store opened without a cipher, in tests). */
export async function sealWebhookSecret(
  cipher: FieldCipher | undefined,
  subscriptionId: string,
  secret: string,
): Promise<string> {
  return cipher ? cipher.encrypt('webhook_secret', webhookSecretLocation(subscriptionId), secret) : secret;
}

const toSubscription = async (
  cipher: FieldCipher | undefined,
  row: WebhookDatabase['webhook_subscription'],
): Promise<WebhookSubscription> => ({
  subscriptionId: row.subscription_id,
  url: row.url,
  eventTypes: JSON.parse(row.event_types) as string[],
  secret: await openWebhookSecret(cipher, row.subscription_id, row.secret),
  createdAtMs: Number(row.created_at_ms),
  active: Number(row.active) === 1,
  organisationId: row.organisation_id,
});

const toDelivery = (row: WebhookDatabase['webhook_delivery']): WebhookDelivery => ({
  deliveryId: row.delivery_id,
  subscriptionId: row.subscription_id,
  eventId: row.event_id,
  eventType: row.event_type,
  body: row.body,
  state: row.state as WebhookDeliveryState,
  attempts: Number(row.attempts),
  nextAttemptAtMs: Number(row.next_attempt_at_ms),
  lastStatus: row.last_status === null ? null : Number(row.last_status),
  lastError: row.last_error,
  createdAtMs: Number(row.created_at_ms),
  deliveredAtMs: row.delivered_at_ms === null ? null : Number(row.delivered_at_ms),
});

/**
 * The webhook store of a cloud store (SQLite or PostgreSQL). With `cipher` (as the server always
 * passes) subscription secrets are sealed at rest.
 */
export function createWebhookStore(store: CloudStore, cipher?: FieldCipher): WebhookStore {
  const db = storeKysely<WebhookDatabase>(store);
  return {
    async insertSubscription(subscription) {
      const result = await db
        .insertInto('webhook_subscription')
        .values({
          subscription_id: subscription.subscriptionId,
          url: subscription.url,
          event_types: JSON.stringify(subscription.eventTypes),
          secret: await sealWebhookSecret(cipher, subscription.subscriptionId, subscription.secret),
          created_at_ms: subscription.createdAtMs,
          active: subscription.active ? 1 : 0,
          organisation_id: subscription.organisationId ?? null,
        })
        .onConflict((conflict) => conflict.column('subscription_id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async getSubscription(subscriptionId) {
      const row = await db
        .selectFrom('webhook_subscription')
        .selectAll()
        .where('subscription_id', '=', subscriptionId)
        .executeTakeFirst();
      return row && toSubscription(cipher, row);
    },
    async listSubscriptions(organisationId) {
      let select = db.selectFrom('webhook_subscription').selectAll().where('active', '=', 1);
      if (organisationId !== undefined) select = select.where('organisation_id', '=', organisationId);
      const rows = await select.orderBy('subscription_id').execute();
      return Promise.all(rows.map((row) => toSubscription(cipher, row)));
    },
    async deactivateSubscription(subscriptionId) {
      const result = await db
        .updateTable('webhook_subscription')
        .set({ active: 0 })
        .where('subscription_id', '=', subscriptionId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async insertDelivery(delivery) {
      const result = await db
        .insertInto('webhook_delivery')
        .values({
          delivery_id: delivery.deliveryId,
          subscription_id: delivery.subscriptionId,
          event_id: delivery.eventId,
          event_type: delivery.eventType,
          body: delivery.body,
          state: delivery.state,
          attempts: delivery.attempts,
          next_attempt_at_ms: delivery.nextAttemptAtMs,
          last_status: delivery.lastStatus,
          last_error: delivery.lastError,
          created_at_ms: delivery.createdAtMs,
          delivered_at_ms: delivery.deliveredAtMs,
        })
        .onConflict((conflict) => conflict.columns(['subscription_id', 'event_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async dueDeliveries(nowMs, limit) {
      const rows = await db
        .selectFrom('webhook_delivery')
        .selectAll()
        .where('state', '=', 'pending')
        .where('next_attempt_at_ms', '<=', nowMs)
        .orderBy('next_attempt_at_ms')
        .orderBy('delivery_id')
        .limit(limit)
        .execute();
      return rows.map(toDelivery);
    },
    async updateDelivery(delivery) {
      await db
        .updateTable('webhook_delivery')
        .set({
          state: delivery.state,
          attempts: delivery.attempts,
          next_attempt_at_ms: delivery.nextAttemptAtMs,
          last_status: delivery.lastStatus,
          last_error: delivery.lastError,
          delivered_at_ms: delivery.deliveredAtMs,
        })
        .where('delivery_id', '=', delivery.deliveryId)
        .execute();
    },
    async listDeliveries(query) {
      let select = db.selectFrom('webhook_delivery').selectAll();
      if (query.subscriptionId !== undefined) select = select.where('subscription_id', '=', query.subscriptionId);
      if (query.state !== undefined) select = select.where('state', '=', query.state);
      const organisationId = query.organisationId;
      if (organisationId !== undefined) {
        select = select.where('subscription_id', 'in', (sub) =>
          sub
            .selectFrom('webhook_subscription')
            .select('subscription_id')
            .where('organisation_id', '=', organisationId),
        );
      }
      const after = query.after;
      if (after !== undefined) {
        select = select.where((where) =>
          where.or([
            where('created_at_ms', '<', after.createdAtMs),
            where.and([where('created_at_ms', '=', after.createdAtMs), where('delivery_id', '<', after.deliveryId)]),
          ]),
        );
      }
      const rows = await select
        .orderBy('created_at_ms', 'desc')
        .orderBy('delivery_id', 'desc')
        .limit(query.limit)
        .execute();
      return rows.map(toDelivery);
    },
  };
}
