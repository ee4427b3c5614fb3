// Formatting of money, weights and times for the console. Money stays a bigint of minor units
// until the last step: the decimal point is placed in the string, never through a float.

/** Minor units (decimal text or bigint) as a major-unit string with two decimals and grouping. */
export function formatMinor(minor: string | bigint, currency: string, language: string): string {
  const value = typeof minor === 'bigint' ? minor : BigInt(minor);
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const major = absolute / 100n;
  const cents = (absolute % 100n).toString().padStart(2, '0');
  const grouped = new Intl.NumberFormat(language).format(major);
  return `${negative ? '−' : ''}${currency} ${grouped}.${cents}`;
}

/** Minor units as a whole number of major units, for chart axes only (display, never arithmetic). */
export function minorToMajorNumber(minor: string): number {
  return Number(BigInt(minor) / 100n);
}

/** Grams (decimal text) as tonnes with three decimals. */
export function formatTonnes(grams: string, language: string): string {
  const value = BigInt(grams);
  const tonnes = value / 1_000_000n;
  const kilograms = ((value % 1_000_000n) / 1_000n).toString().padStart(3, '0');
  return `${new Intl.NumberFormat(language).format(tonnes)}.${kilograms} t`;
}

/** Basis points as a percentage with two decimals. */
export function formatBasisPoints(basisPoints: number | null): string {
  if (basisPoints === null) return '—';
  return `${(basisPoints / 100).toFixed(2)} %`;
}

/** A UTC millisecond time in the user's language. */
export function formatTime(timeMs: number, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'medium' }).format(timeMs);
}
