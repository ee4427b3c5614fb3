import { CodedError } from '@fieldproof/protocol';
import type { CloudDatabase } from '../storage/cloud-database.ts';
import type { CloudStore } from '../storage/cloud-store.ts';
import { storeKysely } from '../storage/store-kysely.ts';

/** One UTC day, ms. */
export const dayMs = 86_400_000;
/** Most whole UTC days a score may read power frames over. */
export const powerWindowDaysMax = 92;
/** Most logged frames one score may read (92 days of 5-minute frames is 26,496). */
export const powerFramesMax = 30_000;
/** Longest pause between two power readings that is integrated (a longer gap adds no energy), ms. */
export const powerGapIntegratedMaxMs = 15 * 60_000;

/** Stable codes of a refused read of power features. */
export type PowerFeaturesErrorCode =
  | 'credit_iot_window_invalid'
  | 'credit_iot_device_unknown'
  | 'credit_iot_frames_too_many';

const statusOf: Readonly<Record<PowerFeaturesErrorCode, number>> = {
  credit_iot_window_invalid: 400,
  credit_iot_device_unknown: 404,
  credit_iot_frames_too_many: 422,
};

/** The IoT basis of a score could not be read (bad window, unknown meter, too many frames). */
export class PowerFeaturesError extends CodedError<PowerFeaturesErrorCode> {
  override name = 'PowerFeaturesError';
  /** HTTP status that this error maps to. */
  get status(): number {
    return statusOf[this.code];
  }
}

/** Which meter, over which whole UTC days. */
export interface ReadPowerFeaturesParameters {
  /** The power meter whose logged frames are read. */
  powerMeterDeviceId: string;
  /** Window start, a UTC midnight, ms (inclusive). */
  fromMs: number;
  /** Window end, a UTC midnight, ms (exclusive). */
  toMs: number;
}

/** One UTC day of the window. */
export interface PowerDay {
  /** The day's midnight, UTC ms. */
  dayStartMs: number;
  /** Whole kWh drawn that day (rounded down); 0 when no frame was logged. */
  kwh: number;
  /** Frames logged that day. */
  frames: number;
  /** How the kWh was found. */
  source: 'energy_counter' | 'power_integrated' | 'no_frames';
  /** Id of the day's first and last logged frame (empty with no frames). */
  frameIds: string[];
}

/** Daily kWh of the window, oldest first, and the frames they rest on. */
export interface ReadPowerFeaturesResult {
  /** One entry per UTC day of the window. */
  days: PowerDay[];
  /** The first and last frame of each day with frames, oldest first (what the decision cites). */
  citedFrameIds: string[];
  /** Frames read in all. */
  framesRead: number;
}

interface Reading {
  kind?: unknown;
  unit?: unknown;
  value?: unknown;
}

function readingOf(body: string, kind: string, unit: string): number | null {
  const parsed = JSON.parse(body) as { frame?: { readings?: Reading[] } };
  for (const reading of parsed.frame?.readings ?? []) {
    if (reading.kind === kind && reading.unit === unit && typeof reading.value === 'number') {
      return Number.isFinite(reading.value) ? reading.value : null;
    }
  }
  return null;
}

/**
 * Read a power meter's logged frames over whole UTC days and derive each day's kWh.
 * Rule, per UTC day (by device time): with energy counter readings (`energy`, kWh, cumulative),
 * the sum of the non-negative steps between consecutive readings (= last − first for a counter
 * that only rises; a drop is a reset or a swapped meter and adds nothing); without any, the power
 * readings (`power`, kW) integrated left-to-right, each held until the next reading, a gap over
 * {@link powerGapIntegratedMaxMs} adding nothing. Energy between a day's last frame and the next
 * day's first is not counted. A day with no frame counts 0 kWh (unproven running is not credited).
 * Throws PowerFeaturesError: window not whole days within {@link powerWindowDaysMax}
 * (`credit_iot_window_invalid`), meter not registered (`credit_iot_device_unknown`), more than
 * {@link powerFramesMax} frames (`credit_iot_frames_too_many`).
 */
export async function readPowerFeatures(
  deps: { store: CloudStore },
  parameters: ReadPowerFeaturesParameters,
): Promise<ReadPowerFeaturesResult> {
  const { fromMs, toMs, powerMeterDeviceId } = parameters;
  const days = (toMs - fromMs) / dayMs;
  if (fromMs % dayMs !== 0 || toMs % dayMs !== 0 || !(days >= 1) || days > powerWindowDaysMax) {
    throw new PowerFeaturesError(
      'credit_iot_window_invalid',
      `the window must be 1 to ${powerWindowDaysMax} whole UTC days (fromMs and toMs UTC midnights)`,
      { fromMs, toMs, daysMax: powerWindowDaysMax },
    );
  }
  if (!(await deps.store.device(powerMeterDeviceId))) {
    throw new PowerFeaturesError('credit_iot_device_unknown', `no device ${powerMeterDeviceId}`, {
      deviceId: powerMeterDeviceId,
    });
  }
  const rows = await storeKysely<CloudDatabase>(deps.store)
    .selectFrom('frame')
    .select(['id', 'device_time_ms', 'body'])
    .where('device_id', '=', powerMeterDeviceId)
    .where('device_time_ms', '>=', fromMs)
    .where('device_time_ms', '<', toMs)
    .orderBy('device_time_ms')
    .orderBy('seq')
    .limit(powerFramesMax + 1)
    .execute();
  if (rows.length > powerFramesMax) {
    throw new PowerFeaturesError('credit_iot_frames_too_many', `more than ${powerFramesMax} frames in the window`, {
      framesMax: powerFramesMax,
    });
  }
  const result: PowerDay[] = [];
  let next = 0;
  for (let day = 0; day < days; day++) {
    const dayStartMs = fromMs + day * dayMs;
    const dayRows: typeof rows = [];
    while (next < rows.length && Number((rows[next] as (typeof rows)[number]).device_time_ms) < dayStartMs + dayMs) {
      dayRows.push(rows[next] as (typeof rows)[number]);
      next++;
    }
    if (dayRows.length === 0) {
      result.push({ dayStartMs, kwh: 0, frames: 0, source: 'no_frames', frameIds: [] });
      continue;
    }
    const counters = dayRows
      .map((row) => readingOf(row.body, 'energy', 'kWh'))
      .filter((value): value is number => value !== null);
    let kwh = 0;
    let source: PowerDay['source'];
    if (counters.length > 0) {
      source = 'energy_counter';
      for (let i = 1; i < counters.length; i++)
        kwh += Math.max(0, (counters[i] as number) - (counters[i - 1] as number));
    } else {
      source = 'power_integrated';
      let previous: { atMs: number; kw: number } | null = null;
      for (const row of dayRows) {
        const kw = readingOf(row.body, 'power', 'kW');
        if (kw === null) continue;
        const atMs = Number(row.device_time_ms);
        if (previous && atMs - previous.atMs <= powerGapIntegratedMaxMs) {
          kwh += (Math.max(0, previous.kw) * (atMs - previous.atMs)) / 3_600_000;
        }
        previous = { atMs, kw };
      }
    }
    const first = dayRows[0] as (typeof rows)[number];
    const last = dayRows[dayRows.length - 1] as (typeof rows)[number];
    result.push({
      dayStartMs,
      // A hair of float error (157.892 − 0 summed step by step) must not lose a whole kWh.
      kwh: Math.floor(kwh + 1e-9),
      frames: dayRows.length,
      source,
      frameIds: first.id === last.id ? [first.id] : [first.id, last.id],
    });
  }
  return { days: result, citedFrameIds: result.flatMap((day) => day.frameIds), framesRead: rows.length };
}
