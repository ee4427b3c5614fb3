import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { utf8 } from '../encoding.ts';
import { generateKeyPair, sign, verify } from './signatures.ts';
import type { SignatureAlgorithm } from './types.ts';
import { createVerifyPool, type VerifyItem, VerifyPoolError } from './verify-pool.ts';

const algorithms: SignatureAlgorithm[] = ['ed25519', 'ecdsa-p256', 'sm2'];

/** A copy of `bytes` with one bit flipped at `index`. */
function flipBit(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index] = (copy[index] as number) ^ 0x01;
  return copy;
}

/**
 * For each algorithm and key: valid signatures and every kind of invalid one (altered message or
 * signature, wrong key, short or long signature, malformed or empty key, an unknown algorithm,
 * the wrong algorithm for the key), some of them views into larger buffers.
 */
function mixedItems(keysPerAlgorithm: number): VerifyItem[] {
  const items: VerifyItem[] = [];
  for (const alg of algorithms) {
    for (let keyIndex = 0; keyIndex < keysPerAlgorithm; keyIndex++) {
      const keyPair = generateKeyPair(alg);
      const other = generateKeyPair(alg);
      for (let frame = 0; frame < 3; frame++) {
        const message = utf8(`{"deviceId":"d-${keyIndex}","seq":${frame}}`);
        const signature = sign(keyPair, message);
        const roomy = new Uint8Array(message.length + 7);
        roomy.set(message, 5);
        items.push(
          { alg, publicKey: keyPair.publicKey, message, signature },
          { alg, publicKey: keyPair.publicKey, message: roomy.subarray(5, 5 + message.length), signature },
          { alg, publicKey: keyPair.publicKey, message: flipBit(message, frame), signature },
          { alg, publicKey: keyPair.publicKey, message, signature: flipBit(signature, 20 + frame) },
          { alg, publicKey: other.publicKey, message, signature },
          { alg, publicKey: keyPair.publicKey, message, signature: signature.subarray(0, 63) },
          { alg, publicKey: keyPair.publicKey, message, signature: new Uint8Array([...signature, 0]) },
          { alg, publicKey: flipBit(keyPair.publicKey, keyPair.publicKey.length - 1), message, signature },
          { alg, publicKey: new Uint8Array(), message, signature },
          { alg, publicKey: keyPair.publicKey, message: new Uint8Array(), signature },
          { alg: 'rsa' as SignatureAlgorithm, publicKey: keyPair.publicKey, message, signature },
          { alg: alg === 'sm2' ? 'ecdsa-p256' : 'sm2', publicKey: keyPair.publicKey, message, signature },
        );
      }
    }
  }
  return items;
}

const inline = (items: readonly VerifyItem[]): boolean[] =>
  items.map((item) => verify(item.alg, item.publicKey, item.message, item.signature));

const pools: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

describe('createVerifyPool', () => {
  const items = mixedItems(2);
  const expected = inline(items);

  it('the fixture holds valid and invalid items of every algorithm', () => {
    for (const alg of algorithms) {
      const results = expected.filter((_, index) => items[index]?.alg === alg);
      expect(results).toContain(true);
      expect(results).toContain(false);
    }
  });

  it.each([0, 1, 2, 3])('threads: %i gives exactly the inline verify results', async (threads) => {
    const pool = createVerifyPool({ threads });
    pools.push(pool);
    expect(pool.threads).toBe(threads);
    expect(await pool.verifyMany(items)).toEqual(expected);
    // One item, and concurrent calls that interleave on the threads.
    expect(await pool.verifyMany(items.slice(0, 1))).toEqual(expected.slice(0, 1));
    const halves = await Promise.all([
      pool.verifyMany(items.slice(0, 100)),
      pool.verifyMany(items.slice(100)),
      pool.verifyMany(items),
    ]);
    expect(halves).toEqual([expected.slice(0, 100), expected.slice(100), expected]);
    expect(await pool.verifyMany([])).toEqual([]);
    await pool.close();
  });

  it('splits a large call into chunks across the threads and keeps the order', async () => {
    const pool = createVerifyPool({ threads: 2 });
    pools.push(pool);
    const keyPair = generateKeyPair('ed25519');
    const many: VerifyItem[] = [];
    for (let index = 0; index < 10_000; index++) {
      const message = utf8(`frame ${index}`);
      const signature = sign(keyPair, message);
      // Every seventh item carries the signature of its neighbour.
      many.push({ alg: 'ed25519', publicKey: keyPair.publicKey, message, signature });
    }
    for (let index = 0; index + 1 < many.length; index += 7) {
      const item = many[index] as VerifyItem;
      many[index] = { ...item, signature: (many[index + 1] as VerifyItem).signature };
    }
    const results = await pool.verifyMany(many);
    expect(results).toEqual(many.map((_, index) => index % 7 !== 0 || index + 1 === many.length));
    await pool.close();
  });

  it('defaults to os.availableParallelism() threads', async () => {
    const pool = createVerifyPool();
    pools.push(pool);
    expect(pool.threads).toBe(availableParallelism());
    await pool.close();
  });

  it('refuses bad options', () => {
    expect(() => createVerifyPool({ threads: -1 })).toThrow(RangeError);
    expect(() => createVerifyPool({ threads: 1.5 })).toThrow(RangeError);
    expect(() => createVerifyPool({ threads: 1000 })).toThrow(RangeError);
    expect(() => createVerifyPool({ threads: 0, queueMax: 0 })).toThrow(RangeError);
  });
});

describe('queueMax', () => {
  it.each([0, 1])('threads: %i rejects a call larger than queueMax with verify_queue_full', async (threads) => {
    const pool = createVerifyPool({ threads, queueMax: 10 });
    pools.push(pool);
    const items = mixedItems(1).slice(0, 11);
    const error = await pool.verifyMany(items).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VerifyPoolError);
    expect((error as VerifyPoolError).code).toBe('verify_queue_full');
    expect((error as VerifyPoolError).message).toMatch(/queueMax/);
    // Nothing was lost: the pool still answers a call that fits.
    expect(await pool.verifyMany(items.slice(0, 10))).toEqual(inline(items.slice(0, 10)));
    await pool.close();
  });

  it('counts items in flight: a second call that does not fit is rejected, and fits once the first is done', async () => {
    const pool = createVerifyPool({ threads: 1, queueMax: 60 });
    pools.push(pool);
    const items = mixedItems(1).filter((item) => item.alg === 'sm2');
    const first = items.slice(0, 40);
    const second = items.slice(0, 30);
    const running = pool.verifyMany(first);
    await expect(pool.verifyMany(second)).rejects.toMatchObject({ code: 'verify_queue_full' });
    expect(await running).toEqual(inline(first));
    expect(await pool.verifyMany(second)).toEqual(inline(second));
    await pool.close();
  });
});

describe('close', () => {
  it('finishes the work in flight, then refuses new calls with verify_pool_closed', async () => {
    const pool = createVerifyPool({ threads: 2 });
    pools.push(pool);
    const items = mixedItems(1);
    const running = pool.verifyMany(items);
    const closing = pool.close();
    await expect(pool.verifyMany(items)).rejects.toMatchObject({ code: 'verify_pool_closed' });
    expect(await running).toEqual(inline(items));
    await closing;
    await pool.close();
  });

  it('closes an idle pool that never verified anything', async () => {
    const pool = createVerifyPool({ threads: 2 });
    await pool.close();
    await expect(pool.verifyMany([])).rejects.toBeInstanceOf(VerifyPoolError);
  });
});
