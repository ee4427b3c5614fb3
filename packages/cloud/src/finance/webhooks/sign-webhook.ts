import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries a delivery's signature. */
export const webhookSignatureHeader = 'fieldproof-signature';

/** What the receiver checks: the signature of `<timestampMs>.<body>`. */
export interface SignWebhookParameters {
  /** The subscription's secret. */
  secret: string;
  /** When the attempt is sent, UTC ms (also in the header, so a receiver can refuse old replays). */
  timestampMs: number;
  /** The exact body bytes sent, as a string. */
  body: string;
}

/**
 * The `Fieldproof-Signature` header value: `t=<timestampMs>,v1=<hex HMAC-SHA256(secret, "<timestampMs>." + body)>`.
 * A receiver recomputes it over the raw body and compares in constant time (verifyWebhookSignature).
 */
export function signWebhook(parameters: SignWebhookParameters): string {
  const mac = createHmac('sha256', parameters.secret)
    .update(`${parameters.timestampMs}.${parameters.body}`)
    .digest('hex');
  return `t=${parameters.timestampMs},v1=${mac}`;
}

/**
 * Check a `Fieldproof-Signature` header against the raw body: true when its MAC matches and its
 * timestamp is within `toleranceMs` of `nowMs` (5 minutes by default).
 */
export function verifyWebhookSignature(parameters: {
  secret: string;
  header: string;
  body: string;
  nowMs: number;
  toleranceMs?: number;
}): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(parameters.header);
  if (!match) return false;
  const timestampMs = Number(match[1]);
  if (Math.abs(parameters.nowMs - timestampMs) > (parameters.toleranceMs ?? 300_000)) return false;
  const expected = Buffer.from(signWebhook({ secret: parameters.secret, timestampMs, body: parameters.body }));
  const given = Buffer.from(parameters.header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
