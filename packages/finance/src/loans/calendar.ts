import { assert } from '@fieldproof/protocol';

/** Milliseconds in a UTC day. */
export const dayMs = 86_400_000;

/** The UTC day number (days since 1970-01-01) of an instant. */
export function utcDayIndex(atMs: number): number {
  return Math.floor(atMs / dayMs);
}

/**
 * The same instant `months` calendar months after `anchorMs` (UTC), with the day of month clamped
 * to the month's last day (31 January + 1 month = 28 or 29 February), always counted from the
 * anchor so that the clamp does not drift (31 Jan + 2 months = 31 March).
 */
export function addMonthsUtc(anchorMs: number, months: number): number {
  assert(Number.isInteger(months) && months >= 0, 'a whole number of months');
  const anchor = new Date(anchorMs);
  const totalMonths = anchor.getUTCFullYear() * 12 + anchor.getUTCMonth() + months;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(anchor.getUTCDate(), lastDay);
  return Date.UTC(
    year,
    month,
    day,
    anchor.getUTCHours(),
    anchor.getUTCMinutes(),
    anchor.getUTCSeconds(),
    anchor.getUTCMilliseconds(),
  );
}
