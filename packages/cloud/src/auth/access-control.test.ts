import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameIdOf, GENESIS_BATCH_HASH, generateKeyPair, type SignedFrame, toBase64 } from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, freshSchemaName, postgresAvailable, postgresTestUrl } from '../../_test/postgres-fixture.ts';
import { buildBatch, signFrame } from '../../_test/signed-batch.ts';
import type { StoredEventRow } from '../events/kysely-event-store.ts';
import { type CloudServer, startCloudServer } from '../server.ts';
import type { EventsAlertsDatabase } from '../storage/events-alerts-database.ts';
import { storeKysely } from '../storage/store-kysely.ts';

// Access control end to end on a real server and store (docs/access-control.md): one test per
// role, organisation scoping, consents and their revocation, and the access log of every bank
// read and every refused cross-organisation read. Run on SQLite and on PostgreSQL.

const postgresUp = await postgresAvailable();
const backends = [
  { name: 'sqlite', up: true },
  { name: 'postgres', up: postgresUp },
] as const;

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string }; items?: Record<string, unknown>[] };
}

const t0 = Date.UTC(2026, 10, 20, 8);
const hourMs = 3_600_000;
const edgeKey = generateKeyPair('ed25519');
const keys = {
  'scale-1': generateKeyPair('ed25519'),
  'scale-2': generateKeyPair('ed25519'),
  'meter-1': generateKeyPair('ed25519'),
};
const frames = {
  // scale-1 (Steel, yard site): one frame in the consent window, one after it.
  inWindow: signFrame(keys['scale-1'], {
    deviceId: 'scale-1',
    seq: 0,
    deviceTimeMs: t0,
    readings: [{ kind: 'weight', value: 1200, unit: 'kg' }],
  }),
  late: signFrame(keys['scale-1'], {
    deviceId: 'scale-1',
    seq: 1,
    deviceTimeMs: t0 + 10 * hourMs,
    readings: [{ kind: 'weight', value: 1100, unit: 'kg' }],
  }),
  // scale-2 (Steel, no site): outside a consent limited to the yard.
  noSite: signFrame(keys['scale-2'], {
    deviceId: 'scale-2',
    seq: 0,
    deviceTimeMs: t0,
    readings: [{ kind: 'weight', value: 50, unit: 'kg' }],
  }),
  // meter-1 (Textile): another enterprise's data.
  textile: signFrame(keys['meter-1'], {
    deviceId: 'meter-1',
    seq: 0,
    deviceTimeMs: t0,
    readings: [{ kind: 'power', value: 20, unit: 'kW' }],
  }),
} satisfies Record<string, SignedFrame>;
const id = (frame: SignedFrame) => frameIdOf('intl', frame);

describe.each(backends)('access control, $name store', (backend) => {
  if (!backend.up) {
    it('needs PostgreSQL (skipped outside CI, with a warning)', () => {});
    return;
  }
  const schema = freshSchemaName();
  const root = mkdtempSync(join(tmpdir(), 'fieldproof-access-'));
  let cloud: CloudServer;
  let clockOffsetMs = 0;
  const tokens: Record<string, string> = {};
  const userIds: Record<string, string> = {};
  let consentId = '';

  async function call(method: string, path: string, token: string | undefined, body?: unknown): Promise<Answer> {
    const response = await fetch(`${cloud.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: Answer['body'] = {};
    try {
      parsed = text ? (JSON.parse(text) as Answer['body']) : {};
    } catch {
      parsed = { text };
    }
    return { status: response.status, body: parsed };
  }
  const admin = (method: string, path: string, body?: unknown) => call(method, path, cloud.adminToken, body);
  const as = (who: string, method: string, path: string, body?: unknown) => call(method, path, tokens[who], body);
  const expectAnswer = (answer: Answer, status: number, code?: string) =>
    expect([answer.status, answer.body.error?.code]).toEqual([status, code]);
  const accessLogOf = async (who: string) => (await as(who, 'GET', '/v1/access-log')).body.items ?? [];

  beforeAll(async () => {
    cloud = await startCloudServer(
      {
        dataDir: join(root, 'cloud'),
        http: { port: 0 },
        checkpointIntervalMs: 60_000,
        ...(backend.name === 'postgres' ? { store: { kind: 'postgres' as const, url: postgresTestUrl, schema } } : {}),
      },
      {
        clock: () => Date.now() + clockOffsetMs,
        finance: { settings: { sweepIntervalMs: 3_600_000 }, followIntervalMs: 3_600_000 },
      },
    );
    for (const [orgId, name, kind] of [
      ['bank-a', 'Bank A', 'bank'],
      ['bank-b', 'Bank B', 'bank'],
      ['steel', 'Steel Co', 'enterprise'],
      ['textile', 'Textile Co', 'enterprise'],
      ['witness-1', 'Regulator', 'witness'],
    ] as const) {
      expectAnswer(await admin('POST', '/v1/organisations', { id: orgId, name, kind }), 201);
    }
    const password = 'correct horse battery';
    for (const [who, organisationId, role] of [
      ['officer', 'bank-a', 'bank_officer'],
      ['auditor', 'bank-a', 'bank_auditor'],
      ['officerB', 'bank-b', 'bank_officer'],
      ['steelAdmin', 'steel', 'enterprise_admin'],
      ['textileAdmin', 'textile', 'enterprise_admin'],
      ['witness', 'witness-1', 'witness_operator'],
    ] as const) {
      const created = await admin('POST', '/v1/users', {
        organisationId,
        email: `${who}@example.com`,
        name: who,
        role,
        password,
      });
      expectAnswer(created, 201);
      userIds[who] = created.body.id as string;
    }
    for (const who of ['officer', 'auditor', 'officerB', 'steelAdmin', 'textileAdmin', 'witness']) {
      const session = await call('POST', '/v1/sessions', undefined, { email: `${who}@example.com`, password });
      expectAnswer(session, 201);
      tokens[who] = session.body.token as string;
    }
    // The enterprise admin creates its operator.
    const operator = await as('steelAdmin', 'POST', '/v1/users', {
      email: 'operator@example.com',
      name: 'Operator',
      role: 'enterprise_operator',
      password,
    });
    expectAnswer(operator, 201);
    expect(operator.body.organisationId).toBe('steel');
    tokens.operator = (await call('POST', '/v1/sessions', undefined, { email: 'operator@example.com', password })).body
      .token as string;
    // Registry: the platform admin registers the edge and the devices with their owners.
    expectAnswer(await admin('POST', '/v1/sites', { id: 'steel-yard', organisationId: 'steel', name: 'Yard' }), 201);
    expectAnswer(
      await admin('POST', '/v1/edges', { edgeId: 'edge-1', alg: 'ed25519', publicKey: toBase64(edgeKey.publicKey) }),
      201,
    );
    for (const [deviceId, organisationId, siteId] of [
      ['scale-1', 'steel', 'steel-yard'],
      ['scale-2', 'steel', undefined],
      ['meter-1', 'textile', undefined],
    ] as const) {
      const registered = await admin('POST', '/v1/devices', {
        deviceId,
        alg: 'ed25519',
        publicKey: toBase64(keys[deviceId].publicKey),
        edgeId: 'edge-1',
        organisationId,
        ...(siteId ? { siteId } : {}),
      });
      expectAnswer(registered, 201);
    }
    const { batch, frames: batchFrames } = buildBatch(edgeKey, 'edge-1', 0, GENESIS_BATCH_HASH, Object.values(frames));
    const ingested = await call('POST', '/v1/ingest/batches', undefined, { batch, frames: batchFrames });
    expect(ingested.status).toBe(200);
    // Two derived events, written as the events ingest would store them.
    const db = storeKysely<EventsAlertsDatabase>(cloud.context.store);
    const event = (eventId: string, deviceId: string): StoredEventRow => ({
      event_id: eventId,
      edge_id: 'edge-1',
      device_id: deviceId,
      type: 'weight',
      function_name: 'test',
      function_version: 1,
      start_time_ms: t0,
      end_time_ms: t0,
      received_at_ms: t0,
      body: JSON.stringify({ eventId, deviceId }),
      check_status: 'matched',
      check_attempts: 0,
      next_check_at_ms: t0,
      checked_at_ms: null,
      check_detail: null,
      alert_id: null,
    });
    await db
      .insertInto('derived_event')
      .values([event('a'.repeat(64), 'scale-1'), event('b'.repeat(64), 'meter-1')])
      .execute();
  });
  afterAll(async () => {
    await cloud?.stop();
    rmSync(root, { recursive: true, force: true });
    if (backend.name === 'postgres') await dropSchema(schema);
  });

  it('sessions: a wrong password, a forged or expired token and no token are refused; public routes stay open', async () => {
    const wrong = await call('POST', '/v1/sessions', undefined, { email: 'officer@example.com', password: 'nope' });
    expectAnswer(wrong, 401, 'unauthorized');
    const unknown = await call('POST', '/v1/sessions', undefined, { email: 'nobody@example.com', password: 'x' });
    expectAnswer(unknown, 401, 'unauthorized');
    const me = await as('officer', 'GET', '/v1/me');
    expectAnswer(me, 200);
    expect(me.body).toMatchObject({ role: 'bank_officer', organisationId: 'bank-a', organisationName: 'Bank A' });
    const forged = `${tokens.officer?.slice(0, -4)}AAAA`;
    expectAnswer(await call('GET', '/v1/me', forged), 401, 'unauthorized');
    expectAnswer(await call('GET', '/v1/frames', undefined), 401, 'unauthorized');
    expectAnswer(await call('GET', '/v1/frames', 'not-a-token'), 401, 'unauthorized');
    clockOffsetMs = 2 * hourMs;
    try {
      expectAnswer(await as('officer', 'GET', '/v1/me'), 401, 'session_expired');
    } finally {
      clockOffsetMs = 0;
    }
    for (const path of ['/healthz', '/v1/trust', '/metrics'])
      expect((await call('GET', path, undefined)).status).toBe(200);
  });

  it('platform admin (admin token): creates organisations and users, reads everything', async () => {
    expectAnswer(
      await admin('POST', '/v1/organisations', { id: 'steel', name: 'Other', kind: 'bank' }),
      409,
      'organisation_conflict',
    );
    expect((await admin('GET', '/v1/frames')).body.items).toHaveLength(4);
    expect((await admin('GET', '/v1/devices')).body.items).toHaveLength(3);
    expectAnswer(await admin('GET', `/v1/frames/${id(frames.textile)}`), 200);
    const taken = await admin('POST', '/v1/users', {
      organisationId: 'steel',
      email: 'steelAdmin@example.com',
      name: 'Again',
      role: 'enterprise_admin',
      password: 'another long password',
    });
    expectAnswer(taken, 409, 'user_conflict');
    const misfit = await admin('POST', '/v1/users', {
      organisationId: 'bank-a',
      email: 'x@example.com',
      name: 'X',
      role: 'enterprise_admin',
      password: 'another long password',
    });
    expectAnswer(misfit, 400, 'request_invalid');
  });

  it('bank officer: finance allowed; registry writes, quarantine and consent grants refused', async () => {
    const party = { kind: 'organisation', partyId: 'steel', name: 'Steel Co', roles: ['supplier'] };
    expectAnswer(await as('officer', 'POST', '/v1/finance/parties', party), 201);
    expectAnswer(await as('officer', 'GET', '/v1/finance/parties'), 200);
    const device = { deviceId: 'x-1', edgeId: 'edge-1', attestation: 'edge-attested' };
    const refused = await as('officer', 'POST', '/v1/devices', device);
    expectAnswer(refused, 403, 'permission_denied');
    expect(refused.body.error?.message).toContain('bank_officer');
    expect(refused.body.error?.message).toContain('registry:write');
    expectAnswer(await as('officer', 'GET', '/v1/quarantine'), 403, 'permission_denied');
    expectAnswer(
      await as('officer', 'POST', '/v1/consents', { bankId: 'bank-a', fromMs: 0, toMs: 1 }),
      403,
      'permission_denied',
    );
    expectAnswer(
      await as('officer', 'POST', '/v1/organisations', { name: 'X', kind: 'bank' }),
      403,
      'permission_denied',
    );
  });

  it('bank auditor: reads finance, changes nothing, cannot mint a stronger key', async () => {
    expectAnswer(await as('auditor', 'GET', '/v1/finance/parties'), 200);
    const party = { kind: 'organisation', partyId: 'audit-x', name: 'X', roles: ['supplier'] };
    expectAnswer(await as('auditor', 'POST', '/v1/finance/parties', party), 403, 'permission_denied');
    expectAnswer(await as('auditor', 'POST', '/v1/finance/risk/sweep', {}), 403, 'permission_denied');
    expectAnswer(
      await as('auditor', 'POST', '/v1/api-keys', { name: 'k', role: 'bank_officer' }),
      403,
      'permission_denied',
    );
    expectAnswer(await as('auditor', 'POST', '/v1/api-keys', { name: 'k' }), 201);
  });

  it('enterprise admin: registers in its own organisation only; reads only its own finance; creates operators only', async () => {
    // Finance reads are scoped to its own party, loans and lots (finance/finance-scope.ts); no finance writes.
    const parties = await as('steelAdmin', 'GET', '/v1/finance/parties');
    expectAnswer(parties, 200);
    expect((parties.body.parties as { partyId: string }[]).map((each) => each.partyId)).toEqual(['steel']);
    const ownParty = { kind: 'organisation', partyId: 'steel', name: 'Steel Co', roles: ['supplier'] };
    expectAnswer(await as('steelAdmin', 'POST', '/v1/finance/parties', ownParty), 403, 'permission_denied');
    const foreign = await as('steelAdmin', 'POST', '/v1/sites', { organisationId: 'textile', name: 'Not mine' });
    expectAnswer(foreign, 403, 'organisation_forbidden');
    expectAnswer(await as('steelAdmin', 'POST', '/v1/sites', { id: 'steel-mill', name: 'Mill' }), 201);
    const edgeKey2 = generateKeyPair('ed25519');
    const edge = await as('steelAdmin', 'POST', '/v1/edges', {
      edgeId: 'steel-edge',
      alg: 'ed25519',
      publicKey: toBase64(edgeKey2.publicKey),
    });
    expectAnswer(edge, 201);
    const own = await as('steelAdmin', 'POST', '/v1/devices', {
      deviceId: 'steel-meter',
      edgeId: 'steel-edge',
      attestation: 'edge-attested',
      siteId: 'steel-mill',
    });
    expectAnswer(own, 201);
    const otherOrg = await as('steelAdmin', 'POST', '/v1/devices', {
      deviceId: 'steel-meter-2',
      edgeId: 'steel-edge',
      attestation: 'edge-attested',
      organisationId: 'textile',
    });
    expectAnswer(otherOrg, 403, 'organisation_forbidden');
    // edge-1 is not Steel's (the platform registered it without an owner).
    const onPlatformEdge = await as('steelAdmin', 'POST', '/v1/devices', {
      deviceId: 'steel-meter-3',
      edgeId: 'edge-1',
      attestation: 'edge-attested',
    });
    expectAnswer(onPlatformEdge, 403, 'organisation_forbidden');
    const edges = (await as('steelAdmin', 'GET', '/v1/edges')).body.items ?? [];
    expect(edges.map((item) => item.edgeId)).toEqual(['steel-edge']);
    const anotherAdmin = await as('steelAdmin', 'POST', '/v1/users', {
      email: 'admin2@example.com',
      name: 'A2',
      role: 'enterprise_admin',
      password: 'another long password',
    });
    expectAnswer(anotherAdmin, 403, 'permission_denied');
  });

  it('enterprise operator: reads its organisation, writes nothing', async () => {
    const devices = (await as('operator', 'GET', '/v1/devices')).body.items ?? [];
    expect(devices.map((item) => item.deviceId).sort()).toEqual(['scale-1', 'scale-2', 'steel-meter']);
    expectAnswer(
      await as('operator', 'POST', '/v1/devices', {
        deviceId: 'y',
        edgeId: 'steel-edge',
        attestation: 'edge-attested',
      }),
      403,
      'permission_denied',
    );
    expectAnswer(
      await as('operator', 'POST', '/v1/consents', { bankId: 'bank-a', fromMs: 0, toMs: 1 }),
      403,
      'permission_denied',
    );
    expectAnswer(await as('operator', 'GET', '/v1/access-log'), 403, 'permission_denied');
    expectAnswer(
      await as('operator', 'POST', '/v1/api-keys', { name: 'k', role: 'enterprise_admin' }),
      403,
      'permission_denied',
    );
  });

  it('witness operator: the public log routes and status only', async () => {
    expectAnswer(await as('witness', 'GET', '/v1/status'), 200);
    expect((await as('witness', 'GET', '/checkpoint')).status).not.toBe(403);
    expectAnswer(await as('witness', 'GET', '/v1/frames'), 403, 'permission_denied');
    expectAnswer(await as('witness', 'GET', '/v1/finance/parties'), 403, 'permission_denied');
    expectAnswer(await as('witness', 'GET', '/v1/alerts'), 403, 'permission_denied');
  });

  it('enterprise reads are scoped to its organisation; a cross-organisation read is refused and logged', async () => {
    const listed = (await as('steelAdmin', 'GET', '/v1/frames')).body.items ?? [];
    expect(listed.map((item) => item.deviceId).sort()).toEqual(['scale-1', 'scale-1', 'scale-2']);
    // Scoped in the query: a page of one holds one of Steel's frames each time, and the pages end with them.
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await as('steelAdmin', 'GET', `/v1/frames?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.items).toHaveLength(1);
      paged.push(...(page.body.items ?? []).map((item) => item.deviceId as string));
      cursor = page.body.nextCursor as string | undefined;
    } while (cursor !== undefined && paged.length < 10);
    expect(paged.sort()).toEqual(['scale-1', 'scale-1', 'scale-2']);
    expectAnswer(await as('steelAdmin', 'GET', `/v1/frames/${id(frames.inWindow)}`), 200);
    const cross = await as('steelAdmin', 'GET', `/v1/frames/${id(frames.textile)}`);
    expectAnswer(cross, 403, 'organisation_forbidden');
    expectAnswer(
      await as('steelAdmin', 'GET', `/v1/frames/${id(frames.textile)}/proof`),
      403,
      'organisation_forbidden',
    );
    expectAnswer(await as('steelAdmin', 'GET', '/v1/frames?deviceId=meter-1'), 403, 'organisation_forbidden');
    expectAnswer(await as('steelAdmin', 'GET', `/v1/events/${'b'.repeat(64)}`), 403, 'organisation_forbidden');
    const events = (await as('steelAdmin', 'GET', '/v1/events')).body.items ?? [];
    expect(events.map((item) => (item.event as { deviceId: string }).deviceId)).toEqual(['scale-1']);
    const eventPage = await as('steelAdmin', 'GET', '/v1/events?limit=1');
    expect((eventPage.body.items ?? []).map((item) => (item.event as { deviceId: string }).deviceId)).toEqual([
      'scale-1',
    ]);
    expect(eventPage.body.nextCursor).toBeUndefined();
    // Textile sees the refused reads of its data in its access log, with who tried.
    const log = await accessLogOf('textileAdmin');
    const refused = log.filter((row) => row.subject === userIds.steelAdmin);
    expect(refused.map((row) => row.resource).sort()).toEqual([
      'device:meter-1',
      `event:${'b'.repeat(64)}`,
      `frame:${id(frames.textile)}`,
      `frame:${id(frames.textile)}/proof`,
    ]);
    for (const row of refused) {
      expect(row).toMatchObject({
        organisationId: 'steel',
        ownerOrganisationId: 'textile',
        outcome: 'refused',
        code: 'organisation_forbidden',
      });
    }
    // Steel's own reads of its own data are not logged (the log is of reads by others).
    expect((await accessLogOf('steelAdmin')).filter((row) => row.subject === userIds.steelAdmin)).toEqual([]);
  });

  it('a bank without consent: every read refused (or an empty list) and logged', async () => {
    expectAnswer(await as('officer', 'GET', `/v1/frames/${id(frames.inWindow)}`), 403, 'consent_missing');
    expect((await as('officer', 'GET', '/v1/frames')).body.items).toEqual([]);
    expect((await as('officer', 'GET', '/v1/devices')).body.items).toEqual([]);
    const log = await accessLogOf('steelAdmin');
    expect(log.find((row) => row.resource === `frame:${id(frames.inWindow)}`)).toMatchObject({
      subject: userIds.officer,
      organisationId: 'bank-a',
      ownerOrganisationId: 'steel',
      outcome: 'refused',
      code: 'consent_missing',
      consentId: null,
    });
    // The list reads are bank reads too: logged (without an owner, as they returned nothing).
    const all = (await admin('GET', '/v1/access-log?limit=1000')).body.items ?? [];
    expect(all.filter((row) => row.subject === userIds.officer && row.resource === 'frames')).toHaveLength(1);
  });

  it('a consent opens exactly what it covers; its grant is a log decision; revoking closes it at once', async () => {
    const grant = await as('steelAdmin', 'POST', '/v1/consents', {
      bankId: 'bank-a',
      siteIds: ['steel-yard'],
      dataKinds: ['weight'],
      fromMs: t0 - hourMs,
      toMs: t0 + hourMs,
    });
    expectAnswer(grant, 201);
    consentId = (grant.body.consent as { id: string }).id;
    expect(grant.body.decisionId).toBe(`${consentId}.granted`);
    expect(typeof grant.body.logIndex).toBe('number');
    const decision = await admin('GET', `/v1/decisions/${grant.body.decisionId as string}`);
    expectAnswer(decision, 200);
    expect(JSON.stringify(decision.body)).toContain('consent.granted');
    // Another enterprise cannot grant for Steel's site, nor name a device of Steel's.
    expectAnswer(
      await as('textileAdmin', 'POST', '/v1/consents', {
        bankId: 'bank-a',
        siteIds: ['steel-yard'],
        fromMs: 0,
        toMs: 1,
      }),
      403,
      'organisation_forbidden',
    );
    expectAnswer(
      await as('steelAdmin', 'POST', '/v1/consents', { bankId: 'steel', fromMs: 0, toMs: 1 }),
      404,
      'organisation_unknown',
    );

    expectAnswer(await as('officer', 'GET', `/v1/frames/${id(frames.inWindow)}`), 200);
    expectAnswer(await as('auditor', 'GET', `/v1/frames/${id(frames.inWindow)}`), 200);
    expectAnswer(await as('officer', 'GET', `/v1/frames/${id(frames.late)}`), 403, 'consent_missing');
    expectAnswer(await as('officer', 'GET', `/v1/frames/${id(frames.noSite)}`), 403, 'consent_missing');
    expectAnswer(await as('officer', 'GET', `/v1/frames/${id(frames.textile)}`), 403, 'consent_missing');
    expectAnswer(await as('officerB', 'GET', `/v1/frames/${id(frames.inWindow)}`), 403, 'consent_missing');
    const listed = (await as('officer', 'GET', '/v1/frames')).body.items ?? [];
    expect(listed.map((item) => item.id)).toEqual([id(frames.inWindow)]);
    // The consent (site, time window) is part of the list query: one page of one frame, and no cursor
    // to pages that would only hold frames the bank may not see.
    const onePage = await as('officer', 'GET', '/v1/frames?limit=1');
    expect((onePage.body.items ?? []).map((item) => item.id)).toEqual([id(frames.inWindow)]);
    expect(onePage.body.nextCursor).toBeUndefined();
    expect(((await as('officer', 'GET', '/v1/devices')).body.items ?? []).map((item) => item.deviceId)).toEqual([
      'scale-1',
    ]);
    // The consent is part of the device list query too: one page of one device, no cursor past it.
    const devicePage = await as('officer', 'GET', '/v1/devices?limit=1');
    expect((devicePage.body.items ?? []).map((item) => item.deviceId)).toEqual(['scale-1']);
    expect(devicePage.body.nextCursor).toBeUndefined();
    const events = (await as('officer', 'GET', '/v1/events')).body.items ?? [];
    expect(events).toHaveLength(1);
    const bankView = (await as('officer', 'GET', '/v1/consents')).body.items ?? [];
    expect(bankView.map((item) => item.id)).toEqual([consentId]);
    expect((await as('officerB', 'GET', '/v1/consents')).body.items).toEqual([]);

    const log = await accessLogOf('steelAdmin');
    const allowed = log.filter((row) => row.resource === `frame:${id(frames.inWindow)}` && row.outcome === 'allowed');
    expect(allowed.map((row) => [row.subject, row.consentId]).sort()).toEqual(
      [
        [userIds.officer, consentId],
        [userIds.auditor, consentId],
      ].sort(),
    );
    expect(log.find((row) => row.resource === `frame:${id(frames.late)}`)).toMatchObject({
      outcome: 'refused',
      code: 'consent_missing',
    });
    expect(log.some((row) => row.resource === 'frames' && row.consentId === consentId)).toBe(true);

    // Only the grantor revokes; the bank's next read fails at once.
    expectAnswer(await as('textileAdmin', 'POST', `/v1/consents/${consentId}/revoke`), 404, 'consent_unknown');
    const revoked = await as('steelAdmin', 'POST', `/v1/consents/${consentId}/revoke`);
    expectAnswer(revoked, 200);
    expect(revoked.body.decisionId).toBe(`${consentId}.revoked`);
    expect((revoked.body.consent as { live: boolean }).live).toBe(false);
    expectAnswer(await as('officer', 'GET', `/v1/frames/${id(frames.inWindow)}`), 403, 'consent_missing');
    expect((await as('officer', 'GET', '/v1/frames')).body.items).toEqual([]);
    const again = await as('steelAdmin', 'POST', `/v1/consents/${consentId}/revoke`);
    expectAnswer(again, 200);
    expect(again.body.logIndex).toBe(revoked.body.logIndex);
    expectAnswer(await as('steelAdmin', 'POST', '/v1/consents/consent-none/revoke'), 404, 'consent_unknown');
  });

  it('API keys: shown once, no stronger than their creator, revoked at once', async () => {
    const created = await as('steelAdmin', 'POST', '/v1/api-keys', { name: 'ops script', role: 'enterprise_operator' });
    expectAnswer(created, 201);
    const key = created.body.key as string;
    expect(key).toMatch(/^fpk_[0-9a-f]{16}_/);
    expectAnswer(await call('GET', '/v1/devices', key), 200);
    expectAnswer(await call('GET', '/v1/access-log', key), 403, 'permission_denied');
    const me = await call('GET', '/v1/me', key);
    expect(me.body).toMatchObject({ via: 'api-key', role: 'enterprise_operator', organisationId: 'steel' });
    const listed = (await as('steelAdmin', 'GET', '/v1/api-keys')).body.items ?? [];
    expect(listed.find((item) => item.id === created.body.id)).not.toHaveProperty('key');
    expectAnswer(await as('textileAdmin', 'DELETE', `/v1/api-keys/${created.body.id as string}`), 404, 'not_found');
    expectAnswer(await as('steelAdmin', 'DELETE', `/v1/api-keys/${created.body.id as string}`), 200);
    expectAnswer(await call('GET', '/v1/devices', key), 401, 'unauthorized');
    expectAnswer(await call('GET', '/v1/devices', `${key.slice(0, -1)}x`), 401, 'unauthorized');
  });

  it('refusals are counted by code on /metrics', async () => {
    const metrics = await (await fetch(`${cloud.url}/metrics`)).text();
    const count = (code: string) =>
      Number(new RegExp(`fieldproof_access_refusals_total\\{code="${code}"\\} (\\d+)`).exec(metrics)?.[1] ?? -1);
    expect(count('consent_missing')).toBeGreaterThan(0);
    expect(count('organisation_forbidden')).toBeGreaterThan(0);
    expect(count('permission_denied')).toBeGreaterThan(0);
    expect(count('unauthorized')).toBeGreaterThan(0);
  });
});
