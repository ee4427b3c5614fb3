import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, toBase64 } from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../../_test/test-store.ts';
import { type CloudServer, startCloudServer } from '../server.ts';
import { bootstrapDemoAccess, demoUsersPath, readDemoUsers } from './bootstrap-demo-access.ts';

const root = mkdtempSync(join(tmpdir(), 'fieldproof-demo-access-'));
const cloudDataDir = join(root, 'cloud');
let cloud: CloudServer;
let testStore: TestCloudStore | undefined;
beforeAll(async () => {
  testStore = await testCloudStore();
  cloud = await startCloudServer({
    ...testStore.config,
    dataDir: cloudDataDir,
    http: { port: 0 },
    checkpointIntervalMs: 60_000,
  });
  const post = (path: string, body: unknown) =>
    fetch(`${cloud.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cloud.adminToken}` },
      body: JSON.stringify(body),
    });
  const edgeKey = generateKeyPair('ed25519');
  expect(
    (await post('/v1/edges', { edgeId: 'edge-1', alg: 'ed25519', publicKey: toBase64(edgeKey.publicKey) })).status,
  ).toBe(201);
  expect(
    (await post('/v1/devices', { deviceId: 'load-cell-1', edgeId: 'edge-1', attestation: 'edge-attested' })).status,
  ).toBe(201);
});
afterAll(async () => {
  await cloud?.stop();
  await testStore?.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

describe('bootstrapDemoAccess', () => {
  it('makes a user per role once (0600 file), assigns the devices, and grants the bank a consent', async () => {
    const first = await bootstrapDemoAccess(cloud.auth, { cloudDataDir, deviceIds: ['load-cell-1'] });
    expect(first.created).toBe(true);
    expect(first.users.map((user) => user.role).sort()).toEqual([
      'bank_auditor',
      'bank_officer',
      'enterprise_admin',
      'enterprise_operator',
      'platform_admin',
      'witness_operator',
    ]);
    expect(statSync(demoUsersPath(cloudDataDir)).mode & 0o777).toBe(0o600);
    expect(readDemoUsers(cloudDataDir)).toEqual(first.users);
    const again = await bootstrapDemoAccess(cloud.auth, { cloudDataDir, deviceIds: ['load-cell-1'] });
    expect(again).toMatchObject({ created: false, users: first.users });

    const officer = first.users.find((user) => user.role === 'bank_officer');
    const session = await fetch(`${cloud.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: officer?.email, password: officer?.password }),
    });
    expect(session.status).toBe(201);
    const { token } = (await session.json()) as { token: string };
    const devices = (await (
      await fetch(`${cloud.url}/v1/devices`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { items: { deviceId: string; organisationId: string }[] };
    expect(devices.items).toEqual([
      expect.objectContaining({ deviceId: 'load-cell-1', organisationId: 'huadong-steel' }),
    ]);
  });
});
