export * from './embedded.ts';
export * from './mqtt-broker.ts';
export * from './port-in-use-error.ts';
