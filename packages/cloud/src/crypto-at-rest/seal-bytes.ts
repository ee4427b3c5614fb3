import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type CryptoSuiteName, FieldproofError } from '@fieldproof/protocol';

/** Bytes of every key this module seals with (a data key, a master key): 256 bits. */
export const sealKeyBytes = 32;

const gcmNonceBytes = 12;
const gcmTagBytes = 16;
const sm4IvBytes = 16;
const sm3MacBytes = 32;

/**
 * The SM suite's two keys from one 32-byte key: node:crypto has SM4-CTR but no SM4-GCM, so the
 * `sm` suite encrypts with SM4-CTR and authenticates with HMAC-SM3 (encrypt-then-MAC), and a
 * key must never serve both ciphers: each is derived with HMAC-SM3 under its own label.
 */
function sm4Keys(key: Buffer): { encryptionKey: Buffer; macKey: Buffer } {
  return {
    encryptionKey: createHmac('sm3', key).update('fieldproof/at-rest/sm4-ctr').digest().subarray(0, 16),
    macKey: createHmac('sm3', key).update('fieldproof/at-rest/hmac-sm3').digest(),
  };
}

/** The MAC input: the associated data's length first, so no split of (ad, ciphertext) collides with another. */
function sm3Mac(macKey: Buffer, associatedData: Buffer, ivAndCiphertext: Buffer): Buffer {
  const adLength = Buffer.alloc(8);
  adLength.writeBigUInt64BE(BigInt(associatedData.length));
  return createHmac('sm3', macKey).update(adLength).update(associatedData).update(ivAndCiphertext).digest();
}

/**
 * Authenticated encryption of `plaintext` under a 32-byte key, bound to `associatedData`:
 * `intl` is AES-256-GCM (nonce 12 ‖ ciphertext ‖ tag 16); `sm` is SM4-CTR + HMAC-SM3
 * (iv 16 ‖ ciphertext ‖ mac 32). Nonces and IVs are random (96 and 128 bits).
 * Precondition: `key` is 32 bytes.
 */
export function sealBytes(suite: CryptoSuiteName, key: Buffer, plaintext: Buffer, associatedData: Buffer): Buffer {
  if (key.length !== sealKeyBytes) throw new Error(`invariant violated: a sealing key is ${sealKeyBytes} bytes`);
  if (suite === 'intl') {
    const nonce = randomBytes(gcmNonceBytes);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: gcmTagBytes });
    cipher.setAAD(associatedData);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]);
  }
  const { encryptionKey, macKey } = sm4Keys(key);
  const iv = randomBytes(sm4IvBytes);
  const cipher = createCipheriv('sm4-ctr', encryptionKey, iv);
  const ivAndCiphertext = Buffer.concat([iv, cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([ivAndCiphertext, sm3Mac(macKey, associatedData, ivAndCiphertext)]);
}

/**
 * The plaintext of a {@link sealBytes} output; throws `ciphertext_invalid` when it was altered,
 * is cut short, or was sealed with another key or other associated data. The SM MAC is checked
 * before anything is decrypted.
 */
export function openBytes(suite: CryptoSuiteName, key: Buffer, sealed: Buffer, associatedData: Buffer): Buffer {
  const invalid = () => new FieldproofError('ciphertext_invalid', 'the sealed value does not authenticate');
  if (suite === 'intl') {
    if (sealed.length < gcmNonceBytes + gcmTagBytes) throw invalid();
    const nonce = sealed.subarray(0, gcmNonceBytes);
    const tag = sealed.subarray(sealed.length - gcmTagBytes);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: gcmTagBytes });
    decipher.setAAD(associatedData);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(gcmNonceBytes, sealed.length - gcmTagBytes)),
        decipher.final(),
      ]);
    } catch {
      throw invalid();
    }
  }
  if (sealed.length < sm4IvBytes + sm3MacBytes) throw invalid();
  const { encryptionKey, macKey } = sm4Keys(key);
  const ivAndCiphertext = sealed.subarray(0, sealed.length - sm3MacBytes);
  const mac = sealed.subarray(sealed.length - sm3MacBytes);
  if (!timingSafeEqual(mac, sm3Mac(macKey, associatedData, ivAndCiphertext))) throw invalid();
  const decipher = createDecipheriv('sm4-ctr', encryptionKey, ivAndCiphertext.subarray(0, sm4IvBytes));
  return Buffer.concat([decipher.update(ivAndCiphertext.subarray(sm4IvBytes)), decipher.final()]);
}
