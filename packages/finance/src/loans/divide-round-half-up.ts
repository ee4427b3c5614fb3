import { assert } from '@fieldproof/protocol';

/**
 * numerator ÷ denominator rounded to the nearest integer, halves away from zero (ROUND_HALF_UP
 * for non-negative values, the rule of Chinese bank statements). Precondition: denominator > 0.
 */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  assert(denominator > 0n, 'a positive denominator');
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const quotient = (2n * magnitude + denominator) / (2n * denominator);
  return negative ? -quotient : quotient;
}
