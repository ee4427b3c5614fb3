import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { generateKeyPair } from './crypto/signatures.ts';
import type { KeyPair, SignatureAlgorithm } from './crypto/types.ts';
import { fromBase64, toBase64 } from './encoding.ts';
import { SignatureAlgorithmSchema } from './frame.ts';

const KeyFileSchema = z
  .object({
    alg: SignatureAlgorithmSchema,
    publicKey: z.string(),
    privateKey: z.string(),
  })
  .strict();

/**
 * The file-based key provider: load a key pair from `path`, or generate one on first use and write
 * it with mode 0600 (atomically, via a temporary file and rename). A KMS or HSM provider offers the
 * same shape. Precondition: `path` is in a folder only this service may read.
 */
export function loadOrCreateKeyPair(path: string, alg: SignatureAlgorithm): KeyPair {
  if (existsSync(path)) {
    const parsed = KeyFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) throw new Error(`key file ${path} is not a Fieldproof key file: ${parsed.error.message}`);
    const publicKey = fromBase64(parsed.data.publicKey);
    const privateKey = fromBase64(parsed.data.privateKey);
    if (!publicKey || !privateKey) throw new Error(`key file ${path} holds keys that are not base64`);
    if (parsed.data.alg !== alg) throw new Error(`key file ${path} holds an ${parsed.data.alg} key, expected ${alg}`);
    return { alg: parsed.data.alg, publicKey, privateKey };
  }
  const keyPair = generateKeyPair(alg);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(
    temporary,
    `${JSON.stringify({ alg, publicKey: toBase64(keyPair.publicKey), privateKey: toBase64(keyPair.privateKey) })}\n`,
    { mode: 0o600 },
  );
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return keyPair;
}
