import { readdir, readFile } from 'node:fs/promises';
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

/**
 * Migrations are numbered SQL files, one folder per dialect: `sqlite/migrations/0001-cloud.sql`
 * beside `postgres/migrations/0001-cloud.sql`. A module that adds tables adds the next number in
 * both folders. Kysely's Migrator runs the files not yet recorded in its `kysely_migration` table,
 * in name order, each in its own transaction, under its lock table (so two processes starting at
 * once do not both migrate). Files are never edited once released: a change is a new file.
 */
export class SqlFolderMigrationProvider implements MigrationProvider {
  readonly #folder: URL;

  constructor(folder: URL) {
    this.#folder = folder;
  }

  async getMigrations(): Promise<Record<string, Migration>> {
    const names = (await readdir(this.#folder)).filter((name) => /^\d{4}-[a-z0-9-]+\.sql$/.test(name)).sort();
    const migrations: Record<string, Migration> = {};
    for (const name of names) {
      const text = await readFile(new URL(name, this.#folder), 'utf8');
      migrations[name.replace(/\.sql$/, '')] = {
        async up(db: Kysely<unknown>) {
          for (const statement of splitStatements(text)) await sql.raw(statement).execute(db);
        },
      };
    }
    return migrations;
  }
}

/**
 * The statements of a migration file: split at a ";" that ends a line, with "--" comment lines
 * dropped. (better-sqlite3 prepares one statement at a time; keeping PostgreSQL the same keeps the
 * two folders alike.)
 */
export function splitStatements(text: string): string[] {
  const withoutComments = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

/**
 * Bring the store's schema to the latest migration in `folder`; throws the first failure.
 * `schema` (PostgreSQL) is where the migration tables live: Kysely otherwise finds a
 * `kysely_migration` of another schema on the search path and takes it for ours.
 */
export async function migrateCloudStore(db: Kysely<unknown>, folder: URL, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new SqlFolderMigrationProvider(folder),
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new Error(`store migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? error}`);
  }
}
