// The cloud's PostgreSQL test fixture (fresh schema per file; fails under CI=true when PostgreSQL is down).
export * from '@fieldproof/cloud/_test/postgres-fixture';
