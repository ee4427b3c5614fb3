import {
  type DatabaseIntrospector,
  type DatabaseMetadataOptions,
  type Kysely,
  PostgresDialect,
  type PostgresDialectConfig,
  PostgresIntrospector,
  sql,
  type TableMetadata,
} from 'kysely';

/**
 * Kysely's PostgreSQL dialect with its introspection kept to the store's own schema (the one
 * configured, or `current_schema()`). Kysely's migrator asks for every table of the database to
 * learn whether its `kysely_migration` table exists, and its stock query calls
 * `pg_get_serial_sequence` and `has_schema_privilege` by name on every schema: when another schema
 * of the server is dropped during that query (another tenant, another test), it fails with
 * "schema … does not exist" and the store does not start. Tables are listed by name only
 * (columns empty): the migrator needs no more, and no other code introspects the store.
 */
export class SchemaScopedPostgresDialect extends PostgresDialect {
  readonly #schema: string | undefined;

  constructor(config: PostgresDialectConfig, schema: string | undefined) {
    super(config);
    this.#schema = schema;
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SchemaScopedIntrospector(db, this.#schema);
  }
}

class SchemaScopedIntrospector extends PostgresIntrospector {
  readonly #db: Kysely<unknown>;
  readonly #schema: string | undefined;

  constructor(db: Kysely<unknown>, schema: string | undefined) {
    super(db);
    this.#db = db;
    this.#schema = schema;
  }

  override async getTables(
    options: DatabaseMetadataOptions = { withInternalKyselyTables: false },
  ): Promise<TableMetadata[]> {
    const schema = this.#schema === undefined ? sql`current_schema()` : sql`${this.#schema}`;
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      SELECT c.relname AS name, n.nspname AS schema, c.relkind AS kind
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'v', 'p')
      ORDER BY c.relname`.execute(this.#db);
    return rows
      .filter(
        (row) => options.withInternalKyselyTables || !['kysely_migration', 'kysely_migration_lock'].includes(row.name),
      )
      .map((row) => ({ name: row.name, schema: row.schema, isView: row.kind === 'v', columns: [] }));
  }
}
