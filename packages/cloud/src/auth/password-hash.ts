import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keyLength: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** scrypt cost (N = 2^14, r = 8, p = 1: OWASP's floor for interactive logins, ~16 MiB per hash). */
const cost = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const keyBytes = 32;

/** Longest password accepted, in characters (bounds the work one login can ask for). */
export const passwordLengthMax = 256;
/** Shortest password a new user may have. */
export const passwordLengthMin = 12;

/** A salted scrypt hash of `password`: `scrypt$N$r$p$<salt b64url>$<hash b64url>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, keyBytes, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** A hash of no password, checked when the email is unknown so both answers take as long. */
let decoyHash: Promise<string> | undefined;

/**
 * Whether `password` matches `stored` (a hashPassword result), compared in constant time. With
 * `stored` undefined (no such user) a decoy hash is checked and the answer is false.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  const [scheme, n, r, p, saltText, hashText] = (stored ?? (await decoyHash)).split('$');
  if (scheme !== 'scrypt' || !saltText || !hashText || password.length > passwordLengthMax) return false;
  const expected = Buffer.from(hashText, 'base64url');
  const given = await scryptAsync(password, Buffer.from(saltText, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: cost.maxmem,
  });
  return stored !== undefined && given.length === expected.length && timingSafeEqual(given, expected);
}
