import type * as z from 'zod';
import {
  type CountRfidPassesParameters,
  CountRfidPassesParametersSchema,
  countRfidPasses,
} from './count-rfid-passes.ts';
import {
  type DeriveStockMovementsParameters,
  DeriveStockMovementsParametersSchema,
  deriveStockMovements,
} from './derive-stock-movements.ts';
import type { EventDraft, EventSourceFrame } from './derived-event.ts';
import {
  type DetectColdChainExcursionsParameters,
  DetectColdChainExcursionsParametersSchema,
  detectColdChainExcursions,
} from './detect-cold-chain-excursions.ts';
import {
  type DetectDeviceHealthParameters,
  DetectDeviceHealthParametersSchema,
  detectDeviceHealth,
} from './detect-device-health.ts';
import {
  type DetectGeofenceCrossingsParameters,
  DetectGeofenceCrossingsParametersSchema,
  detectGeofenceCrossings,
} from './detect-geofence-crossings.ts';
import {
  type DetectProductionRunsParameters,
  DetectProductionRunsParametersSchema,
  detectProductionRuns,
} from './detect-production-runs.ts';

/**
 * One versioned event function. A released {name, version} never changes behaviour: a fix is a
 * new version, and the old one stays registered so events derived with it still re-execute.
 */
export interface EventFunctionDefinition {
  /** Kebab-case name, as its file. */
  name: string;
  /** Version, from 1. */
  version: number;
  /** Validates parameters and fills defaults; the parsed value is what events record. */
  parametersSchema: z.ZodType<Record<string, unknown>>;
  /** The pure function. Precondition: frames are one device's, in seq order; parameters parsed. */
  derive(frames: readonly EventSourceFrame[], parameters: Record<string, unknown>): { events: EventDraft[] };
}

/** Event functions by `name@version`. */
export type EventRegistry = ReadonlyMap<string, EventFunctionDefinition>;

/** Registry key of a function version. */
export function eventFunctionKey(name: string, version: number): string {
  return `${name}@${version}`;
}

function define<Parameters extends Record<string, unknown>>(
  name: string,
  version: number,
  parametersSchema: z.ZodType<Parameters>,
  derive: (frames: readonly EventSourceFrame[], parameters: Parameters) => { events: EventDraft[] },
): EventFunctionDefinition {
  return {
    name,
    version,
    parametersSchema: parametersSchema as unknown as z.ZodType<Record<string, unknown>>,
    derive: derive as EventFunctionDefinition['derive'],
  };
}

/** Every released event function, version 1 of each. */
export const eventFunctionDefinitions: readonly EventFunctionDefinition[] = [
  define<DeriveStockMovementsParameters>(
    'derive-stock-movements',
    1,
    DeriveStockMovementsParametersSchema,
    deriveStockMovements,
  ),
  define<CountRfidPassesParameters>('count-rfid-passes', 1, CountRfidPassesParametersSchema, countRfidPasses),
  define<DetectGeofenceCrossingsParameters>(
    'detect-geofence-crossings',
    1,
    DetectGeofenceCrossingsParametersSchema,
    detectGeofenceCrossings,
  ),
  define<DetectProductionRunsParameters>(
    'detect-production-runs',
    1,
    DetectProductionRunsParametersSchema,
    detectProductionRuns,
  ),
  define<DetectColdChainExcursionsParameters>(
    'detect-cold-chain-excursions',
    1,
    DetectColdChainExcursionsParametersSchema,
    detectColdChainExcursions,
  ),
  define<DetectDeviceHealthParameters>(
    'detect-device-health',
    1,
    DetectDeviceHealthParametersSchema,
    detectDeviceHealth,
  ),
];

/** A registry of the given definitions; throws on a duplicate name@version (a programmer error). */
export function createEventRegistry(definitions: readonly EventFunctionDefinition[]): EventRegistry {
  const registry = new Map<string, EventFunctionDefinition>();
  for (const definition of definitions) {
    const key = eventFunctionKey(definition.name, definition.version);
    if (registry.has(key)) throw new Error(`event function ${key} is registered twice`);
    registry.set(key, definition);
  }
  return registry;
}

/** The registry of every released event function: what the edge, the cloud and the CLI share. */
export const defaultEventRegistry: EventRegistry = createEventRegistry(eventFunctionDefinitions);
