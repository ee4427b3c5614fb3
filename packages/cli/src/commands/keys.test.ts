import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CloudServer,
  dataKeyWrapContext,
  masterKeysPath,
  openCloudFieldCipher,
  startCloudServer,
} from '@fieldproof/cloud';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeArguments, type TestCloudStore, testCloudStore } from '../../_test/test-store.ts';
import { runKeys } from './keys.ts';

const root = mkdtempSync(join(tmpdir(), 'fieldproof-keys-'));
const dataDir = join(root, 'cloud');
const logLines: string[] = [];
const log = pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) });
let testStore: TestCloudStore;
let cloud: CloudServer | undefined;

const secret = 'whsec-keys-test-0123456789abcdef';
const person = { kind: 'person', partyId: 'p-li', name: 'Li Na Private Person' };

async function start(): Promise<CloudServer> {
  return startCloudServer(
    { dataDir, http: { port: 0 }, checkpointIntervalMs: 60_000, ...testStore.config },
    { log, finance: { settings: { sweepIntervalMs: 3_600_000 }, followIntervalMs: 3_600_000 } },
  );
}

async function call(server: CloudServer, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      authorization: `Bearer ${server.adminToken}`,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function keys(...args: string[]): Promise<{ code: number; output: string[] }> {
  const output: string[] = [];
  const code = await runKeys([...args, '--data-dir', dataDir, ...storeArguments(testStore)], (line) =>
    output.push(line),
  );
  return { code, output };
}

beforeAll(async () => {
  testStore = await testCloudStore();
  cloud = await start();
});
afterAll(async () => {
  await cloud?.stop();
  await testStore?.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

describe('fieldproof keys', () => {
  it('rotate re-wraps the data keys, --data-keys re-encrypts the values with progress, and everything reads back', async () => {
    const server = cloud as CloudServer;
    expect(
      (
        await call(server, 'POST', '/v1/webhooks', {
          subscriptionId: 'bank',
          url: 'https://bank.example/h',
          eventTypes: ['*'],
          secret,
        })
      ).status,
    ).toBe(201);
    expect((await call(server, 'POST', '/v1/finance/parties', person)).status).toBe(201);
    await server.stop();
    cloud = undefined;

    const rotated = await keys('rotate', '--data-keys', '--page-rows', '1');
    expect(rotated.code).toBe(0);
    expect(rotated.output[0]).toMatch(/^master key mk-[0-9a-f]{16} is current; 2 data keys re-wrapped under it$/);
    expect(rotated.output).toContain('re-encrypting webhook_subscription: 1 of 1 rows so far');
    expect(rotated.output).toContain('finance_party: 1 values re-encrypted');
    expect(rotated.output.filter((line) => line.startsWith('master mk-'))).toHaveLength(2);
    expect(rotated.output.filter((line) => line.startsWith('data   dk-'))).toHaveLength(4);

    cloud = await start();
    const parties = await call(cloud, 'GET', '/v1/finance/parties');
    expect(parties.status).toBe(200);
    expect(JSON.stringify(parties.body)).toContain(person.name);
    expect((await call(cloud, 'GET', '/v1/webhooks')).status).toBe(200);
    expect((await keys('nonsense')).code).toBe(2);
  });

  it('neither the logs of the run nor the command output hold a master key or a data key', async () => {
    await cloud?.stop();
    cloud = undefined;
    const masterKeys = JSON.parse(readFileSync(masterKeysPath(dataDir), 'utf8')) as { keys: { key: string }[] };
    const secrets: Buffer[] = masterKeys.keys.map(({ key }) => Buffer.from(key, 'base64'));
    const opened = await openCloudFieldCipher({
      dataDir,
      ...(testStore.config.store ? { store: testStore.config.store } : {}),
    });
    try {
      for (const key of await opened.cipher.dataKeys.list()) {
        secrets.push(
          await opened.cipher.keys.unwrapDataKey(
            { masterKeyId: key.masterKeyId, wrapped: key.wrappedKey },
            dataKeyWrapContext(key),
          ),
        );
      }
    } finally {
      await opened.close();
    }
    expect(secrets).toHaveLength(2 + 4);
    const listed = await keys('list');
    const text = [...logLines, ...listed.output].join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    for (const bytes of secrets) {
      for (const encoding of ['base64', 'base64url', 'hex'] as const)
        expect(text).not.toContain(bytes.toString(encoding));
    }
    expect(text).not.toContain(secret);
  });
});
