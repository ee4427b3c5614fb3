/** Most buckets kept at once; the least recently used goes first past it. */
export const rateLimitBucketsMax = 100_000;

/** A bucket's refill rate and size. */
export interface RateLimit {
  /** Tokens added per second (the sustained request rate). */
  requestsPerSecond: number;
  /** Bucket size (the burst a quiet caller may send at once). */
  burst: number;
}

/** What a request's take found. */
export type TakeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Token buckets, one per caller key, in memory (one process; a scale-out node limits its own share). */
export interface RateLimiter {
  /** Take one token from `key`'s bucket at `nowMs`. */
  take(key: string, limit: RateLimit, nowMs: number): TakeResult;
  /** Requests refused so far. */
  readonly refused: number;
}

/** A token-bucket limiter holding at most rateLimitBucketsMax buckets. */
export function createRateLimiter(): RateLimiter {
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  let refused = 0;
  return {
    take(key, limit, nowMs) {
      const bucket = buckets.get(key) ?? { tokens: limit.burst, atMs: nowMs };
      buckets.delete(key); // re-inserted below, so the Map's order is least recently used first
      const elapsedMs = Math.max(0, nowMs - bucket.atMs);
      bucket.tokens = Math.min(limit.burst, bucket.tokens + (elapsedMs * limit.requestsPerSecond) / 1000);
      bucket.atMs = nowMs;
      buckets.set(key, bucket);
      if (buckets.size > rateLimitBucketsMax) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      refused += 1;
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / limit.requestsPerSecond)),
      };
    },
    get refused() {
      return refused;
    },
  };
}
