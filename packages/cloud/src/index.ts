export * from './config.ts';
export type { BulkVerifier, CloudContext } from './context.ts';
export * from './server.ts';
