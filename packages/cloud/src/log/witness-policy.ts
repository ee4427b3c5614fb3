import type { CosignerKey, NoteVerifierKey } from '@fieldproof/ledger';
import { fromBase64 } from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';

/** The k-of-n witness policy of this log, in the form collectCosignatures takes. */
export interface WitnessPolicy {
  /** The log's own checkpoint key. */
  logKey: NoteVerifierKey;
  /** The configured witnesses, in configuration order. */
  witnesses: CosignerKey[];
  /** k; 0 when no witnesses are configured. */
  threshold: number;
}

/**
 * The witness policy of the cloud's configuration. Precondition: the configuration was validated
 * (CloudConfigSchema checks each witness key is base64 of 32 bytes), which is asserted here.
 */
export function witnessPolicy(context: CloudContext): WitnessPolicy {
  const witnesses = context.config.witnesses.map((witness): CosignerKey => {
    const publicKey = fromBase64(witness.publicKey);
    if (!publicKey) throw new Error(`invariant violated: witness ${witness.name} has a key that is not base64`);
    return { keyName: witness.name, publicKey };
  });
  return {
    logKey: { keyName: context.logKeyName, alg: context.logSigner.alg, publicKey: context.logSigner.publicKey },
    witnesses,
    threshold: context.config.witnessThreshold,
  };
}
