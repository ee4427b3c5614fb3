import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type KeyPair, loadOrCreateKeyPair, type SignatureAlgorithm, suiteHash, toHex } from '@fieldproof/protocol';

/** Where the cloud keeps its log key and how its origin is chosen. */
export interface LoadLogIdentityParameters {
  /** The cloud's data folder (the key is `keys/log-key.json` in it). */
  dataDir: string;
  /** Algorithm of the log key, used when it is created. */
  logKeyAlg: SignatureAlgorithm;
  /** The configured origin, if any. */
  origin?: string | undefined;
}

/** The log's key and the names its checkpoints carry. */
export interface LoadLogIdentityResult {
  /** The log's checkpoint key pair. */
  keyPair: KeyPair;
  /** The checkpoint origin line. */
  origin: string;
  /** The key name on the log's checkpoint signature lines (the origin). */
  keyName: string;
}

/**
 * Load the cloud's log key from `dataDir/keys/log-key.json`, creating it (and the folder, mode
 * 0700) on first use, and derive the origin: the configured one, else one unique to the key. The
 * cloud calls this at start; a host that starts witnesses before the cloud calls it first to
 * learn the log key the witnesses must trust. Precondition: `dataDir` is private to the cloud.
 */
export function loadLogIdentity(parameters: LoadLogIdentityParameters): LoadLogIdentityResult {
  mkdirSync(join(parameters.dataDir, 'keys'), { recursive: true, mode: 0o700 });
  const keyPair = loadOrCreateKeyPair(join(parameters.dataDir, 'keys', 'log-key.json'), parameters.logKeyAlg);
  const origin =
    parameters.origin ?? `fieldproof.local/log/${toHex(suiteHash('intl', keyPair.publicKey)).slice(0, 16)}`;
  return { keyPair, origin, keyName: origin };
}
