export * from './signatures.ts';
export * from './types.ts';
