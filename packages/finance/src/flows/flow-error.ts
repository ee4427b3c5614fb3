import { CodedError } from '@fieldproof/protocol';

/** Stable codes of the flows' operating errors. */
export type FlowErrorCode =
  /** Two input documents of one kind share an id. */
  | 'flow_document_duplicate_id'
  /** A tolerance or window parameter is out of range. */
  | 'flow_parameter_invalid'
  /** The CSV text is larger or longer than the limits allow. */
  | 'flow_csv_too_large';

/** An operating error of the four-flow operations (bad input a caller can correct). */
export class FlowError extends CodedError<FlowErrorCode> {
  override name = 'FlowError';
}

/** Basis points are whole numbers from 0 to 10,000 (0% to 100%). */
export function checkBasisPoints(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 10_000) {
    throw new FlowError('flow_parameter_invalid', `${name} must be whole basis points from 0 to 10000`, {
      name,
      value,
    });
  }
}

/** Throw if two items share an id. */
export function checkUniqueIds<T>(kind: string, items: readonly T[], idOf: (item: T) => string): void {
  const seen = new Set<string>();
  for (const item of items) {
    const id = idOf(item);
    if (seen.has(id)) {
      throw new FlowError('flow_document_duplicate_id', `two ${kind} records share the id ${id}`, { kind, id });
    }
    seen.add(id);
  }
}
