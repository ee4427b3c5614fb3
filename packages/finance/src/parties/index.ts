export * from './build-party-graph.ts';
export * from './detect-circular-trades.ts';
export * from './find-related-parties.ts';
export * from './flag-related-party-trades.ts';
export * from './party-error.ts';
export * from './party-records.ts';
export * from './party-store.ts';
export * from './trace-ultimate-owners.ts';
