import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { testCloudStore } from '../../_test/test-store.ts';
import { startCloudServer } from '../server.ts';

it('every route the cloud registers is in the route → permission table (none falls back to platform-admin-only)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'fieldproof-route-permissions-'));
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const testStore = await testCloudStore();
  const cloud = await startCloudServer(
    { ...testStore.config, dataDir: root, http: { port: 0 }, checkpointIntervalMs: 60_000 },
    { log },
  );
  try {
    const unlisted = warnings
      .map((line) => JSON.parse(line) as { msg: string; method?: string; url?: string })
      .filter((entry) => entry.msg.includes('route-permissions'))
      .map((entry) => `${entry.method} ${entry.url}`);
    expect(unlisted).toEqual([]);
  } finally {
    await cloud.stop();
    await testStore.cleanUp();
    rmSync(root, { recursive: true, force: true });
  }
});
