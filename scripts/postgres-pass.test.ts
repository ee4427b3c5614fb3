// The guard of the PostgreSQL pass: no test file starts a cloud on SQLite only unseen. A file that
// starts one takes its store from the test-store fixture (and so runs in both passes), or is listed in
// scripts/postgres-pass.ts with the reason it may not.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresPassFiles } from '../vitest.postgres.config.ts';
import {
  cloudsWithoutTestStore,
  knownFailingOnPostgres,
  ownStoreFiles,
  readFixtures,
  readTestFiles,
  repositoryRoot,
  selectPostgresPassFiles,
  sqliteOnlyFiles,
  testFileFacts,
} from './postgres-pass.ts';

// The planted sources are built from pieces, so that this file's own text starts no cloud for the guard.
const startCloud = ['startCloud', 'Server({ dataDir, http: { port: 0 } });'].join('');
const takeStore = ['const testStore = await testCloud', 'Store();'].join('');
const spawnCloud = ["spawnFieldproof(['", "cloud', '--data-dir', dir], 'cloud');"].join('');

describe('the PostgreSQL pass guard', () => {
  const files = readTestFiles();
  const fixtures = readFixtures();

  it('finds no test file that starts a cloud without the test store and off the lists', () => {
    expect(cloudsWithoutTestStore(files, fixtures)).toEqual([]);
  });

  it('fails on a planted file that starts a cloud without the test store, in process or as a process', () => {
    const planted = new Map([
      [
        'packages/cloud/src/planted-in-process.test.ts',
        `import { startCloudServer } from './server.ts';\n${startCloud}`,
      ],
      [
        'packages/cli/src/planted-process.test.ts',
        `import { spawnFieldproof } from '../_test/processes.ts';\n${spawnCloud}`,
      ],
      // Through a fixture that starts a cloud on SQLite.
      ['packages/cli/src/planted-fixture-user.test.ts', "import { startPlanted } from '../_test/planted.ts';"],
      // Taking the store: not reported; naming it in a comment only does not count.
      ['packages/cloud/src/planted-with-store.test.ts', `${takeStore}\n${startCloud}`],
      ['packages/cloud/src/planted-comment.test.ts', `// ${takeStore}\n/* ${takeStore} */\n${startCloud}`],
    ]);
    const plantedFixtures = new Map([...fixtures, ['packages/cli/_test/planted.ts', startCloud]]);
    const problems = cloudsWithoutTestStore(planted, plantedFixtures);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^packages\/cloud\/src\/planted-in-process\.test\.ts starts a cloud without/);
    expect(problems[1]).toMatch(/^packages\/cli\/src\/planted-process\.test\.ts /);
    expect(problems[2]).toMatch(/^packages\/cli\/src\/planted-fixture-user\.test\.ts /);
    expect(problems[3]).toMatch(/^packages\/cloud\/src\/planted-comment\.test\.ts /);
    // The real list would let a listed file through: the planted one is not on it.
    expect(
      cloudsWithoutTestStore(new Map([['packages/cli/src/commands/audit.test.ts', startCloud]]), fixtures),
    ).toEqual([]);
  });

  it('selects a file for the pass when it or a fixture it imports takes the test store, not the known failures', () => {
    const planted = new Map([
      ['packages/cli/src/planted-direct.test.ts', `${takeStore}\n${startCloud}`],
      ['packages/cloud/src/planted-fixture.test.ts', "import { startStored } from '@fieldproof/cloud/_test/planted';"],
      ['packages/cli/src/planted-sqlite.test.ts', startCloud],
      ['packages/cli/src/planted-failing.test.ts', `${takeStore}\n${startCloud}`],
    ]);
    const plantedFixtures = new Map([['packages/cloud/_test/planted.ts', `${takeStore}\n${startCloud}`]]);
    const knownFailing = { 'packages/cli/src/planted-failing.test.ts': 'a planted bug' };
    expect(selectPostgresPassFiles(planted, plantedFixtures, knownFailing)).toEqual([
      'packages/cli/src/planted-direct.test.ts',
      'packages/cloud/src/planted-fixture.test.ts',
    ]);
  });

  it('the pass holds the files that start a cloud on the test store, and every list names a real cloud test', () => {
    expect(postgresPassFiles).toContain('packages/cli/src/outage.test.ts');
    expect(postgresPassFiles).toContain('packages/cloud/src/direct-ingest/late-direct-frames.test.ts');
    for (const path of postgresPassFiles)
      expect(testFileFacts(path, files.get(path) ?? '', fixtures).usesTestStore).toBe(true);
    for (const path of Object.keys(knownFailingOnPostgres)) expect(postgresPassFiles).not.toContain(path);
    for (const path of [...Object.keys(sqliteOnlyFiles), ...Object.keys(ownStoreFiles)]) {
      expect(existsSync(join(repositoryRoot, path)), path).toBe(true);
      const facts = testFileFacts(path, files.get(path) ?? '', fixtures);
      expect(
        facts.startsCloud && !facts.usesTestStore,
        `${path} is listed but starts no cloud off the test store`,
      ).toBe(true);
    }
    for (const path of Object.keys(knownFailingOnPostgres)) {
      expect(testFileFacts(path, files.get(path) ?? '', fixtures).usesTestStore, path).toBe(true);
    }
  });
});
