/** The typed TypeScript client of Fieldproof's open API (generated from /openapi.json). */
export {};
