// Input checks shared by the operations over stored trees. Internal to the package.
import { ProofError } from '../errors.ts';
import { storedTreeSizeMax } from './stored-hash-index.ts';

/** Throw `proof_input_invalid` unless `value` is an integer in [0, storedTreeSizeMax]. */
export function checkStoredTreeNumber(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > storedTreeSizeMax) {
    throw new ProofError('proof_input_invalid', `${name} must be an integer from 0 to ${storedTreeSizeMax}`, {
      [name]: value,
    });
  }
}
