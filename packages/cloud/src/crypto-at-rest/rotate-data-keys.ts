import type { CloudStore } from '../storage/cloud-store.ts';
import { dataKeyPurposes } from './data-key-store.ts';
import type { FieldCipher } from './field-cipher.ts';
import { type ResealValuesParameters, type ResealValuesResult, resealValues } from './reseal-values.ts';

export interface RotateDataKeysResult extends ResealValuesResult {
  /** The new current data key of each purpose. */
  dataKeyIds: Record<string, string>;
}

/**
 * Make a new data key current for every purpose, then re-encrypt every sealed value under it, in
 * pages with progress. The old data keys stay in the store (values a concurrent writer sealed
 * under them still read); a value is only rewritten if nobody changed it meanwhile.
 */
export async function rotateDataKeys(
  deps: { store: CloudStore; cipher: FieldCipher },
  parameters: ResealValuesParameters = {},
): Promise<RotateDataKeysResult> {
  const dataKeyIds: Record<string, string> = {};
  for (const purpose of dataKeyPurposes) dataKeyIds[purpose] = await deps.cipher.createDataKey(purpose);
  const result = await resealValues(deps, parameters);
  return { ...result, dataKeyIds };
}
