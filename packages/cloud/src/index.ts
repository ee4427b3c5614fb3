export * from './audit/audit-anchors.ts';
export * from './audit/audit-log.ts';
export * from './audit/open-audit-store.ts';
export * from './audit/read-anchor-records.ts';
export * from './chain/evm/index.ts';
export * from './config.ts';
export type { CloudContext } from './context.ts';
export * from './log/load-log-identity.ts';
export * from './server.ts';
