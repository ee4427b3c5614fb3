import { type ColdChainOptions, createColdChainSimulator } from './cold-chain.ts';
import { createGpsTrackerSimulator, type GpsTrackerOptions } from './gps-tracker.ts';
import { createLoadCellSimulator, type LoadCellOptions } from './load-cell.ts';
import { createPowerMeterSimulator, type PowerMeterOptions } from './power-meter.ts';
import { createRfidGateSimulator, type RfidGateOptions } from './rfid-gate.ts';
import type { Simulator } from './simulator.ts';

export * from './cold-chain.ts';
export * from './gps-tracker.ts';
export * from './load-cell.ts';
export * from './power-meter.ts';
export * from './rfid-gate.ts';
export * from './seeded-random.ts';
export { type Simulator, type SimulatorOptions, type SimulatorSample, simulatorPeriodMsMax } from './simulator.ts';

/** Every kind of simulated device, in a stable order. */
export const simulatorKinds = ['load-cell', 'rfid-gate', 'gps-tracker', 'power-meter', 'cold-chain'] as const;

/** A kind of simulated device. */
export type SimulatorKind = (typeof simulatorKinds)[number];

/** The options each kind of simulator takes. */
export interface SimulatorOptionsByKind {
  /** A load cell under a pledged stock pile. */
  'load-cell': LoadCellOptions;
  /** An RFID reader on a warehouse gate. */
  'rfid-gate': RfidGateOptions;
  /** A GPS tracker on a truck. */
  'gps-tracker': GpsTrackerOptions;
  /** A production line's power meter. */
  'power-meter': PowerMeterOptions;
  /** A cold store or reefer logger. */
  'cold-chain': ColdChainOptions;
}

/** True if `kind` names a simulator (for parsing command lines and configs). */
export function isSimulatorKind(kind: string): kind is SimulatorKind {
  return (simulatorKinds as readonly string[]).includes(kind);
}

/**
 * Create a simulator of the given kind. Precondition: `options` hold the shared SimulatorOptions
 * (seed, deviceId, startTimeMs, periodMs > 0) and any kind-specific options in their ranges;
 * a bad option throws a RangeError naming it, an unknown kind throws a RangeError listing the kinds.
 */
export function createSimulator<Kind extends SimulatorKind>(
  kind: Kind,
  options: SimulatorOptionsByKind[Kind],
): Simulator {
  switch (kind) {
    case 'load-cell':
      return createLoadCellSimulator(options as LoadCellOptions);
    case 'rfid-gate':
      return createRfidGateSimulator(options as RfidGateOptions);
    case 'gps-tracker':
      return createGpsTrackerSimulator(options as GpsTrackerOptions);
    case 'power-meter':
      return createPowerMeterSimulator(options as PowerMeterOptions);
    case 'cold-chain':
      return createColdChainSimulator(options as ColdChainOptions);
    default:
      throw new RangeError(
        `unknown simulator kind ${JSON.stringify(kind)}; expected one of ${simulatorKinds.join(', ')}`,
      );
  }
}
