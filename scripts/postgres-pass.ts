/**
 * Which test files run in the PostgreSQL pass of `npm test` (vitest.postgres.config.ts), found by
 * reading the files' text instead of a hand list, and which test files start a cloud without
 * choosing its store through the test fixture (the guard in postgres-pass.test.ts fails on those).
 *
 * A test file takes its cloud's store from `testCloudStore()` (FIELDPROOF_TEST_STORE), directly or
 * through a fixture in a package's `_test/` folder that does; every such file runs once per store.
 * A file that starts a cloud some other way must be on one of the lists below, with its reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/** The repository root (this file is in scripts/). */
export const repositoryRoot = join(import.meta.dirname, '..');

/**
 * Files that start a cloud on SQLite only, on purpose: they open, copy or edit the cloud's SQLite
 * file. Path → why.
 */
export const sqliteOnlyFiles: Readonly<Record<string, string>> = {
  'packages/cli/src/commands/audit.test.ts':
    'audits copies of the cloud SQLite file with rows edited through better-sqlite3; audit-postgres.test.ts covers PostgreSQL',
  'packages/cli/src/commands/verify-anchor.test.ts':
    'its audit half copies and edits the cloud SQLite file, and shares one cloud with the verify --rpc half',
};

/**
 * Files that choose their cloud's store themselves: both stores in one pass, or PostgreSQL only.
 * Path → why.
 */
export const ownStoreFiles: Readonly<Record<string, string>> = {
  'packages/cli/src/tlog-tiles.test.ts': 'starts its cloud on SQLite and on PostgreSQL in one pass',
  'packages/cli/src/finance-ltv.test.ts': 'starts its cloud on SQLite and on PostgreSQL in one pass',
  'packages/cli/src/credit-iot.test.ts': 'starts its cloud on SQLite and on PostgreSQL in one pass',
  'packages/cloud/src/auth/access-control.test.ts': 'starts its cloud on SQLite and on PostgreSQL in one pass',
  'packages/cloud/src/routes/identity-routes.test.ts': 'starts its cloud on SQLite and on PostgreSQL in one pass',
  'packages/cli/src/commands/audit-postgres.test.ts':
    'the PostgreSQL side of audit.test.ts: its cloud is on PostgreSQL',
  'packages/cli/src/scale-out.test.ts': 'scale-out nodes share one PostgreSQL store (and NATS): PostgreSQL only',
};

/**
 * Files that take the test store but fail on PostgreSQL today, each for a product bug being fixed
 * elsewhere: kept out of the PostgreSQL pass until then. Path → why.
 * Run one with `FIELDPROOF_TEST_STORE=postgres npx vitest run <file>`.
 */
export const knownFailingOnPostgres: Readonly<Record<string, string>> = {};
// Empty since 23 Nov 2026: edge-operations (a key approval racing a batch upload; both now lock the
// edge row), decisions (a checkpoint read size and root apart; now one snapshot) and embedded (a
// store start failing "schema … does not exist" when another schema was dropped during Kysely's
// introspection of the whole server; now kept to the store's schema) were fixed. A file goes here
// only with its failure named and a bug to fix.

/** A call that starts a cloud: in process, the embedded stack, or `fieldproof cloud|start` as a process. */
const startsCloudPattern =
  /\bstartCloudServer\(|\bstartEmbedded\(|\brunStart\(|\brunCloud\(|\bspawnFieldproof\(\s*\[\s*'(cloud|start)'/;

/** The call that takes the store from FIELDPROOF_TEST_STORE. */
const usesTestStorePattern = /\btestCloudStore\(/;

/** Fixtures of the one-pass store contract tests, which run both stores themselves. */
const backendFixturesPattern = /_test\/(store-backends|finance-backends)(\.ts)?'/;

/** A source text without its block comments and whole-line comments: a call named in a comment does not count. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/** Import specifiers of a source text. */
function importedModules(text: string): string[] {
  return [...text.matchAll(/\bfrom\s+'([^']+)'|\bimport\s+'([^']+)'/g)].map((match) => match[1] ?? match[2] ?? '');
}

/** The repository path a test file's import names, when it is a `_test/` fixture; else undefined. */
function fixturePath(importer: string, specifier: string): string | undefined {
  let path: string;
  const packageMatch = /^@fieldproof\/([\w-]+)\/(_test\/.+)$/.exec(specifier);
  if (packageMatch) path = `packages/${packageMatch[1]}/${packageMatch[2]}`;
  else if (specifier.startsWith('.'))
    path = normalize(join(dirname(importer), specifier))
      .split(sep)
      .join('/');
  else return undefined;
  if (!/\/_test\//.test(path)) return undefined;
  return path.endsWith('.ts') ? path : `${path}.ts`;
}

/** What the text of one test file (and the fixtures it imports) shows about its cloud. */
export interface TestFileFacts {
  /** It starts a cloud, itself or through a fixture. */
  startsCloud: boolean;
  /** It takes the cloud's store from `testCloudStore()`, itself or through a fixture. */
  usesTestStore: boolean;
  /** It uses the store-backends or finance-backends fixtures (both stores in one pass). */
  usesBackendFixtures: boolean;
}

/**
 * Read the facts of `path` from its text and the fixtures' texts (`fixtures`: repository path → text
 * of every `packages/<name>/_test/*.ts`). The test-store fixture itself does not count as using it.
 */
export function testFileFacts(path: string, text: string, fixtures: ReadonlyMap<string, string>): TestFileFacts {
  const code = withoutComments(text);
  const imported = importedModules(code)
    .map((specifier) => fixturePath(path, specifier))
    .flatMap((fixture) => {
      const fixtureText =
        fixture === undefined || fixture.endsWith('/test-store.ts') ? undefined : fixtures.get(fixture);
      return fixtureText === undefined ? [] : [withoutComments(fixtureText)];
    });
  return {
    startsCloud: [code, ...imported].some((source) => startsCloudPattern.test(source)),
    usesTestStore: [code, ...imported].some((source) => usesTestStorePattern.test(source)),
    usesBackendFixtures: backendFixturesPattern.test(code),
  };
}

/** Every test file of the suite (the include globs of vitest.config.ts), as repository paths. */
export function listTestFiles(root = repositoryRoot): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.ts')) files.push(relative(root, path).split(sep).join('/'));
    }
  };
  for (const name of readdirSync(join(root, 'packages'))) {
    const source = join(root, 'packages', name, 'src');
    try {
      walk(source);
    } catch {
      // A package without src/ (none today) has no tests.
    }
  }
  walk(join(root, 'bench'));
  walk(join(root, 'scripts'));
  return files.sort();
}

/** Every `packages/<name>/_test/*.ts` fixture: repository path → text. */
export function readFixtures(root = repositoryRoot): Map<string, string> {
  const fixtures = new Map<string, string>();
  for (const name of readdirSync(join(root, 'packages'))) {
    let entries: string[];
    try {
      entries = readdirSync(join(root, 'packages', name, '_test'));
    } catch {
      continue;
    }
    for (const entry of entries.filter((file) => file.endsWith('.ts'))) {
      fixtures.set(
        `packages/${name}/_test/${entry}`,
        readFileSync(join(root, 'packages', name, '_test', entry), 'utf8'),
      );
    }
  }
  return fixtures;
}

/** The test files and their texts (repository path → text). */
export function readTestFiles(root = repositoryRoot): Map<string, string> {
  return new Map(listTestFiles(root).map((path) => [path, readFileSync(join(root, path), 'utf8')]));
}

/** The files the PostgreSQL pass runs: every test file that takes the test store, but the known failures. */
export function selectPostgresPassFiles(
  files: ReadonlyMap<string, string>,
  fixtures: ReadonlyMap<string, string>,
  knownFailing: Readonly<Record<string, string>> = knownFailingOnPostgres,
): string[] {
  return [...files]
    .filter(([path, text]) => testFileFacts(path, text, fixtures).usesTestStore)
    .map(([path]) => path)
    .filter((path) => !(path in knownFailing))
    .sort();
}

/**
 * Test files that start a cloud without the test store or the backends fixtures and are on no list:
 * they would run on SQLite only, unseen. Each with a sentence saying what to do.
 */
export function cloudsWithoutTestStore(
  files: ReadonlyMap<string, string>,
  fixtures: ReadonlyMap<string, string>,
): string[] {
  const problems: string[] = [];
  for (const [path, text] of files) {
    const facts = testFileFacts(path, text, fixtures);
    if (!facts.startsCloud || facts.usesTestStore || facts.usesBackendFixtures) continue;
    if (path in sqliteOnlyFiles || path in ownStoreFiles) continue;
    problems.push(
      `${path} starts a cloud without testCloudStore(): take the store from it, or put the file on sqliteOnlyFiles in scripts/postgres-pass.ts with the reason`,
    );
  }
  return problems;
}
