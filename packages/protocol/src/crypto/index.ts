export * from './crypto-backend.ts';
export { portableCrypto } from './portable-crypto.ts';
export * from './signatures.ts';
export * from './types.ts';
export * from './verify-pool.ts';
