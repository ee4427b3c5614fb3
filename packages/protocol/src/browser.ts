// The browser build of @fieldproof/protocol: the same modules as index.ts minus the ones that
// need Node (key files on disk, the worker-thread verify pool, node:crypto signing), and with
// the portable `verify` and `suiteHash` in place of the OpenSSL ones. Anything that imports a
// name missing here fails the browser build loudly instead of pulling Node in.
export * from './batch.ts';
export * from './bundle.ts';
export * from './canonical-frame.ts';
export * from './canonical-json.ts';
export * from './config.ts';
export * from './crypto/crypto-backend.ts';
export { portableCrypto, suiteHash, verify } from './crypto/portable-crypto.ts';
export * from './crypto/types.ts';
export * from './decision.ts';
export * from './encoding.ts';
export * from './errors.ts';
export * from './frame.ts';
export * from './prometheus-text.ts';
export * from './topics.ts';
