import { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, freshSchemaName, postgresAvailable, postgresTestUrl } from '../../../_test/postgres-fixture.ts';
import { SchemaScopedPostgresDialect } from './schema-scoped-dialect.ts';

const available = await postgresAvailable();
const schemas: string[] = [];
const pools: pg.Pool[] = [];
afterAll(async () => {
  for (const pool of pools) await pool.end();
  for (const schema of schemas) await dropSchema(schema);
});

async function schemaWithTables(...tables: string[]): Promise<string> {
  const schema = freshSchemaName();
  schemas.push(schema);
  const client = new pg.Client({ connectionString: postgresTestUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
    for (const table of tables) await client.query(`CREATE TABLE ${schema}.${table} (id integer)`);
  } finally {
    await client.end();
  }
  return schema;
}

function scopedDb(schema: string | undefined): Kysely<unknown> {
  const pool = new pg.Pool({
    connectionString: postgresTestUrl,
    max: 2,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  pools.push(pool);
  return new Kysely<unknown>({ dialect: new SchemaScopedPostgresDialect({ pool }, schema) });
}

describe.runIf(available)('SchemaScopedPostgresDialect', () => {
  it("lists only its own schema's tables, Kysely's own only when asked", async () => {
    const ours = await schemaWithTables('frame', 'kysely_migration');
    await schemaWithTables('frame', 'alert', 'kysely_migration');
    const tables = await scopedDb(ours).introspection.getTables();
    expect(tables.map((table) => [table.schema, table.name])).toEqual([[ours, 'frame']]);
    const withKysely = await scopedDb(ours).introspection.getTables({ withInternalKyselyTables: true });
    expect(withKysely.map((table) => table.name)).toEqual(['frame', 'kysely_migration']);
  });

  it('without a configured schema, keeps to current_schema()', async () => {
    const ours = await schemaWithTables('ledger_entry');
    const pool = new pg.Pool({ connectionString: postgresTestUrl, max: 1, options: `-c search_path=${ours}` });
    pools.push(pool);
    const db = new Kysely<unknown>({ dialect: new SchemaScopedPostgresDialect({ pool }, undefined) });
    expect((await db.introspection.getTables()).map((table) => [table.schema, table.name])).toEqual([
      [ours, 'ledger_entry'],
    ]);
  });

  it('keeps answering while other schemas of the server are created and dropped', async () => {
    const ours = await schemaWithTables('frame');
    const db = scopedDb(ours);
    let churning = true;
    const churn = (async () => {
      const client = new pg.Client({ connectionString: postgresTestUrl });
      await client.connect();
      try {
        while (churning) {
          const other = freshSchemaName();
          await client.query(`CREATE SCHEMA ${other}; CREATE TABLE ${other}.t (id serial primary key)`);
          await client.query(`DROP SCHEMA ${other} CASCADE`);
        }
      } finally {
        await client.end();
      }
    })();
    try {
      for (let round = 0; round < 100; round += 1) {
        expect((await db.introspection.getTables()).map((table) => table.name)).toEqual(['frame']);
      }
    } finally {
      churning = false;
      await churn;
    }
  });
});
