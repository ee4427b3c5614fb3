export * from './config.ts';
export type { CloudContext } from './context.ts';
export * from './server.ts';
