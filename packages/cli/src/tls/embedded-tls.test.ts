import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyFrameBundle } from '@fieldproof/ledger';
import { type FrameProofBundle, type TrustFile, TrustFileSchema } from '@fieldproof/protocol';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnFieldproof } from '../../_test/processes.ts';
import { storeArguments, testCloudStore } from '../../_test/test-store.ts';
import { waitFor } from '../../_test/wait-for.ts';
import { startEmbedded } from '../embedded.ts';

const folder = mkdtempSync(join(tmpdir(), 'fieldproof-embedded-tls-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Every secret in a data folder, in each form a log line could carry it: the private keys of the
 * edge, the log, the witnesses and the devices (key files: base64, base64url, hex), the CA's and
 * every TLS key (PEM body, its 64-character lines, the private scalar in base64url and hex), and
 * the admin token.
 */
function secretsIn(dataDir: string): string[] {
  const secrets: string[] = [];
  const forms = (bytes: Buffer) => [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
  for (const path of filesUnder(dataDir)) {
    if (path.endsWith('.json')) {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as { privateKey?: string };
      if (typeof parsed.privateKey === 'string') secrets.push(...forms(Buffer.from(parsed.privateKey, 'base64')));
    } else if (path.endsWith('-key.pem')) {
      const pem = readFileSync(path, 'utf8');
      const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
      secrets.push(body, ...pem.split('\n').filter((line) => line.length === 64));
      const d = createPrivateKey(pem).export({ format: 'jwk' }).d as string;
      secrets.push(...forms(Buffer.from(d, 'base64url')));
    } else if (path.endsWith('admin-token')) {
      secrets.push(readFileSync(path, 'utf8').trim());
    }
  }
  return secrets;
}

function expectNoKeyMaterial(output: string, dataDir: string): void {
  expect(output).not.toMatch(/PRIVATE KEY/);
  const secrets = secretsIn(dataDir);
  // The edge, the log, 4 witnesses, 5 devices, the CA, the listeners' and clients' TLS keys, the admin token.
  expect(secrets.length).toBeGreaterThan(40);
  expect(readdirSync(join(dataDir, 'tls'))).toContain('ca-key.pem');
  const found = secrets.filter((secret) => output.includes(secret));
  expect(found).toEqual([]);
  // The check can fail: the CA key's scalar, planted in a line, is found.
  const caScalar = createPrivateKey(readFileSync(join(dataDir, 'tls', 'ca-key.pem'))).export({ format: 'jwk' })
    .d as string;
  const planted = `${output}\n{"msg":"oops","key":"${Buffer.from(caScalar, 'base64url').toString('hex')}"}`;
  expect(secrets.filter((secret) => planted.includes(secret)).length).toBeGreaterThan(0);
}

describe('the embedded default over TLS with device certificates', () => {
  it('runs device → mqtts → edge → https → cloud → https witnesses, a proof verifies, and its debug log holds no key', async () => {
    const dataDir = join(folder, 'in-process');
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    const testStore = await testCloudStore();
    const embedded = await startEmbedded({
      ...testStore.config,
      dataDir,
      mqttPort: 0,
      httpPort: 0,
      edgePort: 0,
      devicesPerKind: 1,
      ratePerDeviceHz: 10,
      batchIntervalMs: 200,
      checkpointIntervalMs: 100,
      tls: true,
      mutualTls: true,
      log,
    });
    try {
      const tls = embedded.tls;
      if (!tls) throw new Error('tls was asked for');
      expect(embedded.broker.url).toMatch(/^mqtts:/);
      expect(embedded.cloud.url).toMatch(/^https:/);
      expect(embedded.edge.httpUrl).toMatch(/^https:/);
      expect(embedded.witnesses.every((witness) => witness.url.startsWith('https:'))).toBe(true);
      const getJson = async <T>(path: string): Promise<T> => {
        const response = await tls.fetch(`${embedded.cloud.url}${path}`, {
          headers: { authorization: `Bearer ${embedded.cloud.adminToken}` },
        });
        if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
        return (await response.json()) as T;
      };
      const frame = await waitFor('a logged frame of every device', async () => {
        const lists = await Promise.all(
          embedded.devices.map((device) =>
            getJson<{ items: { id: string }[] }>(`/v1/frames?deviceId=${device.deviceId}&limit=1`),
          ),
        );
        return lists.every((list) => list.items.length > 0) ? lists[0]?.items[0] : undefined;
      });
      const trust = TrustFileSchema.parse(await getJson<TrustFile>('/v1/trust'));
      const bundle = await waitFor('a proof at a checkpoint cosigned by 3 witnesses', async () => {
        const response = await tls.fetch(`${embedded.cloud.url}/v1/frames/${frame?.id}/proof`, {
          headers: { authorization: `Bearer ${embedded.cloud.adminToken}` },
        });
        if (!response.ok) return undefined;
        const candidate = (await response.json()) as FrameProofBundle;
        return candidate.checkpoint.split('\n').filter((line) => line.startsWith('— ')).length >= 4
          ? candidate
          : undefined;
      });
      const report = verifyFrameBundle(bundle, trust);
      expect(report.steps.filter((step) => !step.ok)).toEqual([]);
      expect(report.ok).toBe(true);
      expect(embedded.edge.status().quarantined).toBe(0);
      // Plain clients (no CA) are refused.
      await expect(
        fetch(`${embedded.cloud.url}/v1/status`, { headers: { authorization: `Bearer ${embedded.cloud.adminToken}` } }),
      ).rejects.toThrow();
    } finally {
      await embedded.stop();
      await testStore.cleanUp();
    }
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.some((line) => line.includes('"level":20'))).toBe(true);
    expectNoKeyMaterial(lines.join('\n'), dataDir);
  }, 90_000);

  it('`fieldproof start --mtls --log-level debug` prints curl --cacert and no key material in any output line', async () => {
    const dataDir = join(folder, 'process');
    const testStore = await testCloudStore();
    const started = spawnFieldproof(
      [
        'start',
        ...storeArguments(testStore),
        '--data-dir',
        dataDir,
        '--mqtt-port',
        '0',
        '--http-port',
        '0',
        '--edge-port',
        '0',
        '--devices-per-kind',
        '1',
        '--rate',
        '5',
        '--log-level',
        'debug',
        '--mtls',
      ],
      'start',
    );
    try {
      await started.waitForLine(/curl -s --cacert \S+ca\.pem https:\/\/127\.0\.0\.1:\d+\/v1\/trust/, 60_000);
      await started.waitForLine(/frames [1-9]\d* · batches [1-9]/, 60_000);
    } finally {
      started.child.kill('SIGINT');
      await started.exited;
      await testStore.cleanUp();
    }
    expect(started.lines.some((line) => line.includes('stopped cleanly'))).toBe(true);
    expectNoKeyMaterial(started.lines.join('\n'), dataDir);
  }, 120_000);
});
