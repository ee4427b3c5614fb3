// Node-only (node:tls, node:https, node:fs): exported from index.ts, never from browser.ts.
export * from './certificate-identity.ts';
export * from './create-web-server.ts';
export * from './tls-fetch.ts';
export * from './tls-files.ts';
