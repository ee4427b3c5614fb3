// Loader of the native SM2 addon (packages/protocol/native: sm2.c on the OpenSSL inside the node
// binary, built by `node-gyp rebuild -C native` at install time). When the addon is not built, does
// not load, is turned off, or fails its self-check, `nativeSm2` is undefined, `nativeSm2Unavailable`
// says why, and signatures.ts and verify-worker.js use sm-crypto-v2 (pure JavaScript) instead.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SM2_DEFAULT_USER_ID } from './crypto-backend.ts';

/** Where `node-gyp rebuild -C native` puts the addon. */
export const nativeSm2AddonPath: string = fileURLToPath(
  new URL('../../native/build/Release/fieldproof_sm2.node', import.meta.url),
);

/** Environment variable that turns the addon off (`off`), e.g. to measure the pure-JS path. */
export const nativeSm2EnvironmentSwitch = 'FIELDPROOF_SM2_NATIVE';

/**
 * SM2 (GB/T 32918.2: SM3 over Z_A‖M) on the native addon. Keys and signatures are raw bytes as
 * SignatureAlgorithm documents; `userId` is the signer ID, encoded as UTF-8 for Z_A.
 */
export interface NativeSm2 {
  /** True when `signature` (64 bytes r‖s) is valid; false, never a throw, for malformed input. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, userId: string): boolean;
  /** A fresh 64-byte r‖s signature (OpenSSL's SM2 signer and DRBG). Throws for an invalid key. */
  sign(privateKey: Uint8Array, publicKey: Uint8Array, message: Uint8Array, userId: string): Uint8Array;
  /** e = SM3(Z_A‖M), the 32 bytes an SM2 signature signs. Throws for a key that is not 65 bytes. */
  digest(publicKey: Uint8Array, message: Uint8Array, userId: string): Uint8Array;
  /** OpenSSL's own SM2 verifier (EVP_PKEY_verify on e), uncached: a cross-check for tests. */
  verifyWithOpenssl(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, userId: string): boolean;
}

/** The functions sm2.c exports; the signer ID is passed as bytes. */
interface Sm2Addon {
  sm2Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, id: Uint8Array): boolean;
  sm2Sign(privateKey: Uint8Array, publicKey: Uint8Array, message: Uint8Array, id: Uint8Array): Uint8Array;
  sm2Digest(publicKey: Uint8Array, message: Uint8Array, id: Uint8Array): Uint8Array;
  sm2VerifyOpenssl(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, id: Uint8Array): boolean;
}

const addonFunctions = ['sm2Verify', 'sm2Sign', 'sm2Digest', 'sm2VerifyOpenssl'] as const;

function isSm2Addon(value: unknown): value is Sm2Addon {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return addonFunctions.every((name) => typeof record[name] === 'function');
}

const utf8Encoder = new TextEncoder();
const defaultUserIdBytes = utf8Encoder.encode(SM2_DEFAULT_USER_ID);
const userIdBytes = (userId: string): Uint8Array =>
  userId === SM2_DEFAULT_USER_ID ? defaultUserIdBytes : utf8Encoder.encode(userId);

const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

// GM/T 0003.5-2012 Annex A on sm2p256v1 (also in _test/signature-vectors.ts): the addon must accept
// this signature and refuse it with one bit flipped before anything relies on it.
const selfCheck = {
  publicKey: fromHex(
    '0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020' +
      'ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13',
  ),
  message: utf8Encoder.encode('message digest'),
  signature: fromHex(
    'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3' +
      'b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa',
  ),
};

function wrap(addon: Sm2Addon): NativeSm2 {
  return {
    verify(publicKey, message, signature, userId) {
      try {
        return addon.sm2Verify(publicKey, message, signature, userIdBytes(userId));
      } catch {
        return false;
      }
    },
    sign: (privateKey, publicKey, message, userId) =>
      addon.sm2Sign(privateKey, publicKey, message, userIdBytes(userId)),
    digest: (publicKey, message, userId) => addon.sm2Digest(publicKey, message, userIdBytes(userId)),
    verifyWithOpenssl: (publicKey, message, signature, userId) =>
      addon.sm2VerifyOpenssl(publicKey, message, signature, userIdBytes(userId)),
  };
}

function load(): { sm2: NativeSm2 } | { reason: string } {
  if (process.env[nativeSm2EnvironmentSwitch] === 'off') {
    return { reason: `turned off by ${nativeSm2EnvironmentSwitch}=off` };
  }
  if (!existsSync(nativeSm2AddonPath)) {
    return { reason: `not built: ${nativeSm2AddonPath} is missing (run \`node-gyp rebuild -C native\`)` };
  }
  let addon: unknown;
  try {
    addon = createRequire(import.meta.url)(nativeSm2AddonPath);
  } catch (error) {
    return {
      reason: `failed to load ${nativeSm2AddonPath}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (!isSm2Addon(addon)) return { reason: `${nativeSm2AddonPath} does not export ${addonFunctions.join(', ')}` };
  const sm2 = wrap(addon);
  const { publicKey, message, signature } = selfCheck;
  const tampered = Uint8Array.from(signature);
  tampered[63] = (tampered[63] as number) ^ 0x01;
  if (
    !sm2.verify(publicKey, message, signature, SM2_DEFAULT_USER_ID) ||
    sm2.verify(publicKey, message, tampered, SM2_DEFAULT_USER_ID)
  ) {
    return { reason: `${nativeSm2AddonPath} failed its self-check on the GM/T 0003.5 Annex A vector` };
  }
  return { sm2 };
}

const loaded = load();

/** The native SM2 implementation, or undefined when it cannot be used (see `nativeSm2Unavailable`). */
export const nativeSm2: NativeSm2 | undefined = 'sm2' in loaded ? loaded.sm2 : undefined;

/** Why `nativeSm2` is undefined (SM2 then runs on sm-crypto-v2), or undefined when it is in use. */
export const nativeSm2Unavailable: string | undefined = 'reason' in loaded ? loaded.reason : undefined;
