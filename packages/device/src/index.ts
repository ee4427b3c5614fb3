export * from './device-client.ts';
export * from './fleet.ts';
export * from './frame-publisher.ts';
export * from './http-publisher.ts';
export * from './mqtt-publisher.ts';
export * from './publish-error.ts';
export * from './seq-store.ts';
export * from './simulators/index.ts';
