export * from './config.ts';
export type { BulkVerifier, VerifyItem } from './context.ts';
export * from './gateway.ts';
