import { randomInt } from 'node:crypto';

/**
 * The wait before retry number `failures` (≥ 1): exponential from `retryBaseMs`, capped at
 * `retryMaxMs`, with jitter over its upper half so many edges do not retry in step.
 */
export function retryDelayMs(cloud: { retryBaseMs: number; retryMaxMs: number }, failures: number): number {
  const ceiling = Math.min(cloud.retryMaxMs, cloud.retryBaseMs * 2 ** Math.min(failures - 1, 20));
  return Math.floor(ceiling / 2 + randomInt(Math.max(1, Math.floor(ceiling / 2))));
}
