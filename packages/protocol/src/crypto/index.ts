export * from './signatures.ts';
export * from './types.ts';
export * from './verify-pool.ts';
