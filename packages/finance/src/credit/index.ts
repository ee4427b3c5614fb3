export * from './compute-electricity-index.ts';
export * from './compute-iot-features.ts';
export * from './credit-error.ts';
export * from './recommend-limit.ts';
export * from './score-borrower.ts';
export * from './scorecard-definition.ts';
