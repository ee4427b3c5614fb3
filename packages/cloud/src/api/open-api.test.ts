import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, toBase64 } from '@fieldproof/protocol';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../../_test/test-store.ts';
import { type CloudServer, startCloudServer } from '../server.ts';
import { storeKysely } from '../storage/store-kysely.ts';
import { createIdempotencyStore } from './idempotency-store.ts';

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
}

function client(cloud: () => CloudServer) {
  return async (
    method: string,
    path: string,
    options: { body?: unknown; key?: string; token?: string | null; userAgent?: string } = {},
  ): Promise<Answer> => {
    const token = options.token === undefined ? cloud().adminToken : options.token;
    const response = await fetch(`${cloud().url}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.key === undefined ? {} : { 'idempotency-key': options.key }),
        ...(options.userAgent === undefined ? {} : { 'user-agent': options.userAgent }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : { text },
    };
  };
}

function edgeBody(edgeId: string) {
  return { edgeId, alg: 'ed25519', publicKey: toBase64(generateKeyPair('ed25519').publicKey) };
}

async function eventually<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('timed out');
}

describe('the open API', () => {
  const root = mkdtempSync(join(tmpdir(), 'fieldproof-open-api-'));
  let cloud: CloudServer;
  let testStore: TestCloudStore | undefined;
  const call = client(() => cloud);
  const logLines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const log = pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line)) });
    testStore = await testCloudStore();
    cloud = await startCloudServer({ ...testStore.config, dataDir: join(root, 'cloud'), http: { port: 0 } }, { log });
  });
  afterAll(async () => {
    await cloud?.stop();
    await testStore?.cleanUp();
    rmSync(root, { recursive: true, force: true });
  });

  it('describes every /v1 route in an OpenAPI 3.1 document', async () => {
    const routes = cloud.context.routeCatalogue?.routes ?? [];
    expect(routes.length).toBeGreaterThan(40);
    const undescribed = routes.filter((route) => route.url.startsWith('/v1') && !route.openapi);
    expect(undescribed.map((route) => `${route.method} ${route.url}`)).toEqual([]);
    const answer = await call('GET', '/openapi.json', { token: null });
    expect(answer.status).toBe(200);
    const document = answer.body as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { scheme?: string }> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.bearer?.scheme).toBe('bearer');
    expect(document.components.schemas.Error).toBeDefined();
    const described = routes.filter((route) => route.openapi).length;
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
    expect(operations).toHaveLength(described);
    expect(new Set(operations.map((operation) => operation.operationId)).size).toBe(described);
    const listDevices = document.paths['/v1/devices']?.get;
    expect(listDevices?.operationId).toBe('listDevices');
    expect(listDevices?.responses.default).toEqual({
      description: 'Any other error, with its stable code.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    });
    expect(document.paths['/v1/frames/{id}/proof']?.get?.operationId).toBe('getFrameProof');
  });

  it('serves a self-contained docs page', async () => {
    const answer = await call('GET', '/docs', { token: null });
    expect(answer.status).toBe(200);
    const html = String(answer.body.text);
    expect(html).toContain('/openapi.json');
    // Nothing loads from elsewhere: no src or href to another origin, no @import.
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).not.toContain('@import');
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('answers readiness with its checks', async () => {
    const answer = await call('GET', '/readyz', { token: null });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      ready: true,
      checks: { store: { ok: true }, migrations: { ok: true }, sequencer: { ok: true } },
    });
    expect((await call('GET', '/healthz', { token: null })).status).toBe(200);
  });

  it('logs every request once, without headers or bodies', async () => {
    const answer = await call('GET', '/v1/frames/00?x=1', { userAgent: 'log-probe/1' });
    expect(answer.status).toBe(400);
    const line = await eventually(async () =>
      logLines.find((entry) => entry.msg === 'request' && entry.route === '/v1/frames/:id'),
    );
    expect(line).toMatchObject({ method: 'GET', status: 400, subject: 'admin-token' });
    expect(typeof line.requestId).toBe('string');
    expect(typeof line.latencyMs).toBe('number');
    expect(JSON.stringify(line)).not.toContain('log-probe');
    expect(JSON.stringify(line)).not.toContain(cloud.adminToken);
  });

  it('pages list routes with limit and an opaque cursor', async () => {
    for (const edgeId of ['page-a', 'page-b', 'page-c']) {
      expect((await call('POST', '/v1/edges', { body: edgeBody(edgeId) })).status).toBe(201);
    }
    const first = await call('GET', '/v1/edges?limit=2');
    const firstItems = first.body.items as { edgeId: string }[];
    expect(firstItems.map((edge) => edge.edgeId)).toEqual(['page-a', 'page-b']);
    expect(typeof first.body.nextCursor).toBe('string');
    const second = await call('GET', `/v1/edges?limit=2&cursor=${first.body.nextCursor}`);
    expect((second.body.items as { edgeId: string }[]).map((edge) => edge.edgeId)).toEqual(['page-c']);
    expect(second.body.nextCursor).toBeUndefined();
    expect((await call('GET', '/v1/edges?cursor=nonsense')).body.error?.code).toBe('request_invalid');
    expect((await call('GET', '/v1/edges?limit=1001')).body.error?.code).toBe('request_invalid');
    const quarantine = await call('GET', '/v1/quarantine');
    expect(quarantine.body).toEqual({ items: [] });
  });

  it('is not ready when a migration of this build is not applied (last: it edits the store)', async () => {
    await sql`DELETE FROM kysely_migration WHERE name = '0012-api'`.execute(storeKysely(cloud.context.store));
    const answer = await call('GET', '/readyz', { token: null });
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({
      ready: false,
      checks: { store: { ok: true }, migrations: { ok: false, detail: 'not applied: 0012-api' } },
    });
  });
});

describe('rate limits', () => {
  const root = mkdtempSync(join(tmpdir(), 'fieldproof-rate-limits-'));
  let cloud: CloudServer;
  let testStore: TestCloudStore | undefined;
  const call = client(() => cloud);
  beforeAll(async () => {
    testStore = await testCloudStore();
    cloud = await startCloudServer({
      ...testStore.config,
      dataDir: join(root, 'cloud'),
      http: { port: 0 },
      rateLimits: { requestsPerSecond: 1, burst: 3, anonymousRequestsPerSecond: 1, anonymousBurst: 2 },
    });
  });
  afterAll(async () => {
    await cloud?.stop();
    await testStore?.cleanUp();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a caller past its bucket with 429 rate_limited and Retry-After, per caller', async () => {
    for (let index = 0; index < 3; index++) expect((await call('GET', '/v1/status')).status).toBe(200);
    const refused = await call('GET', '/v1/status');
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // An anonymous address has its own bucket (on a public route: /v1/status needs a principal).
    expect((await call('GET', '/v1/trust', { token: null })).status).toBe(200);
    expect((await call('GET', '/v1/trust', { token: null })).status).toBe(200);
    expect((await call('GET', '/v1/trust', { token: null })).status).toBe(429);
    // Health, readiness and metrics are not counted.
    expect((await call('GET', '/readyz', { token: null })).status).toBe(200);
    const metrics = await fetch(`${cloud.url}/metrics`);
    expect(await metrics.text()).toMatch(/^fieldproof_api_rate_limited_total 2$/m);
  });
});

describe('idempotency keys and the audit trail', () => {
  const root = mkdtempSync(join(tmpdir(), 'fieldproof-idempotency-'));
  let cloud: CloudServer;
  let testStore: TestCloudStore | undefined;
  const call = client(() => cloud);
  beforeAll(async () => {
    testStore = await testCloudStore();
    cloud = await startCloudServer({ ...testStore.config, dataDir: join(root, 'cloud'), http: { port: 0 } });
  });
  afterAll(async () => {
    await cloud?.stop();
    await testStore?.cleanUp();
    rmSync(root, { recursive: true, force: true });
  });

  it('replays the first answer for a repeat and refuses the key with another body', async () => {
    const body = edgeBody('idem-edge');
    const first = await call('POST', '/v1/edges', { body, key: 'register-idem-edge' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ edgeId: 'idem-edge', created: true });
    // Without the key a repeat would answer 200 created:false; with it, the first answer comes back.
    const repeat = await call('POST', '/v1/edges', { body, key: 'register-idem-edge' });
    expect(repeat.status).toBe(201);
    expect(repeat.body).toEqual({ edgeId: 'idem-edge', created: true });
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    const other = await call('POST', '/v1/edges', { body: edgeBody('idem-edge-2'), key: 'register-idem-edge' });
    expect(other.status).toBe(422);
    expect(other.body.error?.code).toBe('idempotency_key_reused');
    // Nothing else was stored by the refused request.
    expect((await call('GET', '/v1/edges')).body.items).toHaveLength(1);
    // Another caller's same key is its own: not the first caller's answer.
    const otherCaller = await call('POST', '/v1/edges', { body, key: 'register-idem-edge', token: 'not-admin' });
    expect(otherCaller.status).toBe(401);
    expect(otherCaller.headers.get('idempotent-replayed')).toBeNull();
    expect((await call('POST', '/v1/edges', { body: { x: 1 }, key: 'bad key with spaces' })).status).toBe(400);
  });

  it('answers 409 idempotency_in_progress to a repeat while the first runs', async () => {
    const body = edgeBody('in-progress-edge');
    const probe = await call('POST', '/v1/edges', { body: edgeBody('subject-probe'), key: 'subject-probe' });
    expect(probe.status).toBe(201);
    const subject = (
      await sql<{
        subject: string;
      }>`SELECT subject FROM idempotency_key WHERE idempotency_key = 'subject-probe'`.execute(
        storeKysely(cloud.context.store),
      )
    ).rows[0]?.subject as string;
    const { createHash } = await import('node:crypto');
    const { canonicalize } = await import('@fieldproof/protocol');
    const store = createIdempotencyStore(cloud.context.store);
    expect(
      (
        await store.claim({
          subject,
          key: 'slow',
          methodPath: 'POST /v1/edges',
          requestHash: createHash('sha256').update(canonicalize(body)).digest('hex'),
          nowMs: Date.now(),
          ttlMs: 60_000,
        })
      ).outcome,
    ).toBe('claimed');
    const repeat = await call('POST', '/v1/edges', { body, key: 'slow' });
    expect(repeat.status).toBe(409);
    expect(repeat.body.error?.code).toBe('idempotency_in_progress');
    await store.complete(subject, 'slow', {
      status: 201,
      contentType: 'application/json; charset=utf-8',
      body: '{"edgeId":"in-progress-edge","created":true}',
    });
    const done = await call('POST', '/v1/edges', { body, key: 'slow' });
    expect(done.status).toBe(201);
    expect(done.headers.get('idempotent-replayed')).toBe('true');
  });

  it('keeps an append-only audit trail of state-changing calls, without bodies', async () => {
    const body = edgeBody('audited-edge');
    expect((await call('POST', '/v1/edges', { body, key: 'audit-key', userAgent: 'audit-test/1' })).status).toBe(201);
    expect((await call('GET', '/v1/edges')).status).toBe(200);
    const trail = await eventually(async () => {
      const answer = await call('GET', '/v1/audit-trail?limit=100');
      const items = answer.body.items as Record<string, unknown>[];
      return items.some((item) => item.idempotencyKey === 'audit-key') ? items : undefined;
    });
    const record = trail.find((item) => item.idempotencyKey === 'audit-key');
    expect(record).toMatchObject({
      subject: 'admin-token',
      method: 'POST',
      route: '/v1/edges',
      params: {},
      status: 201,
      userAgent: 'audit-test/1',
    });
    expect(typeof record?.remoteAddress).toBe('string');
    expect(JSON.stringify(trail)).not.toContain(body.publicKey);
    expect(trail.every((item) => item.method !== 'GET')).toBe(true);
    // Paged newest first.
    const page = await call('GET', '/v1/audit-trail?limit=1');
    expect(page.body.items).toHaveLength(1);
    const next = await call('GET', `/v1/audit-trail?limit=1&cursor=${page.body.nextCursor}`);
    expect((next.body.items as { id: number }[])[0]?.id).toBeLessThan(
      (page.body.items as { id: number }[])[0]?.id ?? 0,
    );
    expect((await call('GET', '/v1/audit-trail', { token: 'wrong' })).status).toBe(401);
    // The database refuses to edit or delete a row.
    const db = storeKysely(cloud.context.store);
    await expect(sql`UPDATE audit_trail SET status = 200`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_trail`.execute(db)).rejects.toThrow(/append-only/);
  });
});
