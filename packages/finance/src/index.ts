// The finance domain: no I/O of its own. The cloud supplies the stores (SQLite, PostgreSQL) and the API.
export * from './collateral/index.ts';
export * from './credit/index.ts';
export * from './flows/index.ts';
export * from './journal/index.ts';
// Journal and flows both define a currency code schema (the same ISO 4217 rule); the journal's is the package's.
export { CurrencySchema } from './journal/journal-types.ts';
export * from './loans/index.ts';
export * from './parties/index.ts';
export * from './risk/index.ts';
