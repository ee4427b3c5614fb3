import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudServer, startCloudServer, verifyWebhookSignature } from '@fieldproof/cloud';
import { createDeviceClient, createLoadCellSimulator, createMemorySeqStore } from '@fieldproof/device';
import { verifyDecisionBundle, verifyFrameBundle } from '@fieldproof/ledger';
import {
  type DecisionProofBundle,
  DeriveStockMovementsParametersSchema,
  defaultEventRegistry,
  deriveEvents,
  eventFunctionKey,
  frameIdOf,
  GENESIS_BATCH_HASH,
  generateKeyPair,
  keyPairSigner,
  type SignedFrame,
  type TrustFile,
  toBase64,
} from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../_test/post-json.ts';
import { dropSchema, freshSchemaName, postgresAvailable, postgresTestUrl } from '../_test/postgres.ts';
import { buildBatch } from '../_test/signed-batch.ts';
import { getJson, waitFor } from '../_test/wait-for.ts';

// The same story on each cloud store: SQLite (embedded) and PostgreSQL (scale-out).
const postgresUp = await postgresAvailable();
const backends = [
  { name: 'sqlite', up: true },
  { name: 'postgres', up: postgresUp },
] as const;

describe.each(backends)('loan-to-value on the real stack, $name store', (backend) => {
  if (!backend.up) {
    it.skip('needs PostgreSQL', () => {});
    return;
  }
  const schema = freshSchemaName();
  const root = mkdtempSync(join(tmpdir(), 'fieldproof-finance-ltv-'));
  const secret = 'risk-desk-secret-0123456789';
  let cloud: CloudServer;
  let receiver: Server;
  const received: { headers: IncomingHttpHeaders; body: string; status: number }[] = [];

  beforeAll(async () => {
    cloud = await startCloudServer(
      {
        dataDir: join(root, 'cloud'),
        http: { port: 0 },
        checkpointIntervalMs: 50,
        ...(backend.name === 'postgres' ? { store: { kind: 'postgres' as const, url: postgresTestUrl, schema } } : {}),
      },
      {
        finance: {
          settings: { sweepIntervalMs: 200, offlineAfterMs: 3_600_000 },
          webhooks: { pollIntervalMs: 50, backoffBaseMs: 100 },
          // The test hands the derived events over itself.
          followIntervalMs: 3_600_000,
        },
      },
    );
    // A real receiver: refuses the first delivery (503), so the retry is exercised, then accepts.
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const status = received.length === 0 ? 503 : 204;
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await cloud?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
    rmSync(root, { recursive: true, force: true });
    if (backend.name === 'postgres') await dropSchema(schema);
  });

  async function call(method: string, path: string, body?: unknown, token = cloud.adminToken) {
    const response = await fetch(`${cloud.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        authorization: `Bearer ${token}`,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  const lines = {
    pledgeRatioBasisPoints: 6_500,
    warningBasisPoints: 7_000,
    topUpBasisPoints: 8_000,
    forcedSaleBasisPoints: 9_000,
  };

  it('IoT stock movements move a pledged lot, a price fall crosses the warning line, the alert cites provable frames and reaches a webhook with a valid HMAC', async () => {
    const nowMs = Date.now();
    const startTimeMs = nowMs - 120_000;
    // A load cell under 50 t of steel coil: signed frames from the simulator, a planted 5 t removal.
    const edgeKey = generateKeyPair('ed25519');
    const deviceKey = generateKeyPair('ed25519');
    const deviceId = 'wh1-load-cell-1';
    await postJson(
      `${cloud.url}/v1/edges`,
      { edgeId: 'edge-ltv', alg: 'ed25519', publicKey: toBase64(edgeKey.publicKey) },
      cloud.adminToken,
    );
    await postJson(
      `${cloud.url}/v1/devices`,
      { deviceId, alg: 'ed25519', publicKey: toBase64(deviceKey.publicKey), edgeId: 'edge-ltv' },
      cloud.adminToken,
    );
    const device = createDeviceClient({
      deviceId,
      signer: keyPairSigner(deviceKey),
      seqStore: createMemorySeqStore(1),
    });
    const simulator = createLoadCellSimulator({
      seed: 'finance-ltv',
      deviceId,
      startTimeMs,
      periodMs: 2_000,
      baseStockKg: 50_000,
      movementsPerHour: 0,
      driftKgPerHour: 0,
      unauthorisedOutflowAtMs: startTimeMs + 30_000,
      unauthorisedOutflowKg: 5_000,
    });
    const frames: SignedFrame[] = [];
    for (let n = 0; n < 40; n++) {
      const sample = simulator.next();
      frames.push(device.buildFrame(sample.readings, sample.deviceTimeMs));
    }
    const batch = buildBatch(edgeKey, 'edge-ltv', 0, GENESIS_BATCH_HASH, frames);
    await postJson(`${cloud.url}/v1/ingest/batches`, { batch: batch.batch, frames });
    const sources = frames.map((signed) => ({ id: frameIdOf('intl', signed), frame: signed.frame }));
    const definition = defaultEventRegistry.get(eventFunctionKey('derive-stock-movements', 1));
    if (!definition) throw new Error('derive-stock-movements@1 is not registered');
    const { events } = deriveEvents({
      definition,
      parameters: DeriveStockMovementsParametersSchema.parse({}),
      suite: 'intl',
      deviceId,
      frames: sources,
    });
    expect(events.map((event) => event.payload.direction)).toEqual(['out']);
    const movedKg = events[0]?.payload.weightKg as number;
    expect(Math.abs(movedKg - 5_000)).toBeLessThan(50);

    // The risk desk subscribes to alerts.
    const subscribe = await call('POST', '/v1/webhooks', {
      subscriptionId: 'risk-desk',
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      eventTypes: ['alert.raised'],
      secret,
    });
    expect(subscribe.status).toBe(201);

    // Price 4,000 CNY a tonne; 50 t, 20% haircut: lending value 160,000 CNY; loan 90,000 CNY = 5,625 bp.
    const price = (priceMinorPerUnit: string, asOfMs: number) => ({
      commodity: 'steel-coil',
      priceMinorPerUnit,
      unitGrams: '1000000',
      currency: 'CNY',
      asOfMs,
      source: 'manual:officer-1',
    });
    expect(
      (await call('POST', '/v1/finance/prices', { actorId: 'officer-1', prices: [price('400000', nowMs - 1_000)] }))
        .status,
    ).toBe(201);
    const lot = {
      lotId: 'lot-wh1-coil-7',
      pledgorId: 'steel-processor',
      pledgeeId: 'bank',
      loanId: 'loan-inventory-1',
      commodity: 'steel-coil',
      siteId: 'warehouse-1',
      goodsIdentity: 'bay-3/coil-batch-7',
      receiptNumbers: ['WH1:R-0007'],
      monitoringDeviceIds: [deviceId],
      quantityGrams: '50000000',
      haircutBasisPoints: 2_000,
      lines,
      currency: 'CNY',
      loanAmountMinor: '9000000',
      actorId: 'officer-1',
      inputs: [{ kind: 'frame', id: sources[0]?.id }],
    };
    const pledged = await call('POST', '/v1/finance/collateral/lots', lot);
    expect(pledged.status).toBe(201);
    expect(pledged.body.ltvBasisPoints).toBe(5_625);
    // The same goods again (another lot id, same load cell and receipt) are refused.
    const again = await call('POST', '/v1/finance/collateral/lots', {
      ...lot,
      lotId: 'lot-wh1-coil-7b',
      pledgeeId: 'bank-2',
    });
    expect(again.status).toBe(409);
    expect((again.body.error as { code: string }).code).toBe('collateral_already_pledged');

    // The bank authorises 5.1 t to leave; the IoT out-movement draws on it, so no outflow alert.
    const release = await call('POST', '/v1/finance/collateral/lots/lot-wh1-coil-7/release-orders', {
      releaseOrderId: 'ro-1',
      authorisedGrams: '5100000',
      validFromMs: startTimeMs,
      validUntilMs: nowMs + 3_600_000,
      actorId: 'officer-1',
    });
    expect(release.status).toBe(201);
    const applied = await call('POST', '/v1/finance/stock-movements', { events });
    expect(applied.status).toBe(200);
    expect(applied.body).toEqual({
      outcomes: [{ eventId: events[0]?.eventId, status: 'applied', lotId: 'lot-wh1-coil-7' }],
      alertIds: [],
    });
    const replay = await call('POST', '/v1/finance/stock-movements', { events });
    expect((replay.body.outcomes as { status: string }[])[0]?.status).toBe('duplicate');
    const moved = await call('GET', '/v1/finance/collateral/lots/lot-wh1-coil-7');
    const quantityGrams = BigInt((moved.body.lot as { quantityGrams: string }).quantityGrams);
    expect(quantityGrams).toBe(50_000_000n - BigInt(Math.round(movedKg * 1000)));
    expect((await call('POST', '/v1/finance/risk/sweep')).status).toBe(200);
    const before = await call('GET', '/v1/alerts?limit=500');
    expect((before.body.items as { rule: string }[]).filter((alert) => alert.rule === 'ltv_breach')).toEqual([]);

    // The price falls to 3,500: about 45 t × 3,500 × 0.8 = 126,000 CNY lending value, 7,140 bp: the warning line.
    expect(
      (await call('POST', '/v1/finance/prices', { actorId: 'officer-1', prices: [price('350000', nowMs)] })).status,
    ).toBe(201);
    const delivered = await waitFor('the alert webhook', () =>
      received.find((request) => request.status === 204) ? received : undefined,
    );
    expect(delivered[0]?.status).toBe(503);
    const accepted = delivered.find((request) => request.status === 204) as (typeof delivered)[number];
    expect(accepted.body).toBe(delivered[0]?.body); // the retry sent the same bytes
    const header = accepted.headers['fieldproof-signature'] as string;
    expect(verifyWebhookSignature({ secret, header, body: accepted.body, nowMs: Date.now() })).toBe(true);
    expect(
      verifyWebhookSignature({ secret: 'another-secret-0123456', header, body: accepted.body, nowMs: Date.now() }),
    ).toBe(false);
    const event = JSON.parse(accepted.body) as {
      type: string;
      data: {
        rule: string;
        subjectId: string;
        details: { line: string; ltvBasisPoints: number };
        evidence: { kind: string; id: string }[];
      };
    };
    expect(event.type).toBe('alert.raised');
    expect(event.data.rule).toBe('ltv_breach');
    expect(event.data.subjectId).toBe('lot-wh1-coil-7');
    expect(event.data.details.line).toBe('warning');
    expect(event.data.details.ltvBasisPoints).toBeGreaterThanOrEqual(7_000);
    expect(event.data.details.ltvBasisPoints).toBeLessThan(8_000);

    // Its evidence: the pledge and price decisions, the stock-movement event and its frames, all provable.
    const trust = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
    const frameIds = event.data.evidence.filter((item) => item.kind === 'frame').map((item) => item.id);
    expect(frameIds).toEqual(events[0]?.sourceFrameIds);
    for (const frameId of frameIds) {
      const bundle = await waitFor(`proof of frame ${frameId}`, async () => {
        const response = await fetch(`${cloud.url}/v1/frames/${frameId}/proof`, {
          headers: { authorization: `Bearer ${cloud.adminToken}` },
        });
        return response.status === 200 ? await response.json() : undefined;
      });
      expect(verifyFrameBundle(bundle, trust).steps.filter((step) => !step.ok)).toEqual([]);
    }
    const decisionIds = event.data.evidence.filter((item) => item.kind === 'decision').map((item) => item.id);
    expect(decisionIds).toHaveLength(2);
    for (const decisionId of decisionIds) {
      const bundle = await waitFor(`proof of decision ${decisionId}`, async () => {
        const response = await fetch(`${cloud.url}/v1/decisions/${decisionId}/proof`, {
          headers: { authorization: `Bearer ${cloud.adminToken}` },
        });
        return response.status === 200 ? ((await response.json()) as DecisionProofBundle) : undefined;
      });
      expect(verifyDecisionBundle(bundle, trust).ok).toBe(true);
    }

    // The delivery log shows two attempts, the last one delivered.
    const log = await call('GET', '/v1/webhooks/deliveries?subscriptionId=risk-desk');
    const deliveries = log.body.items as {
      state: string;
      attempts: number;
      lastStatus: number;
      eventType: string;
    }[];
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      state: 'delivered',
      attempts: 2,
      lastStatus: 204,
      eventType: 'alert.raised',
    });
  });

  it('refuses calls without the admin token, bad bodies and unknown lots, with their codes', async () => {
    const noToken = await call('GET', '/v1/webhooks/deliveries', undefined, 'wrong');
    expect(noToken.status).toBe(401);
    expect((noToken.body.error as { code: string }).code).toBe('unauthorized');
    const extra = await call('POST', '/v1/webhooks', {
      subscriptionId: 'x',
      url: 'http://127.0.0.1:1/',
      eventTypes: ['alert.raised'],
      surprise: true,
    });
    expect(extra.status).toBe(400);
    expect((extra.body.error as { code: string }).code).toBe('request_invalid');
    const ftp = await call('POST', '/v1/webhooks', {
      subscriptionId: 'y',
      url: 'ftp://example.com/',
      eventTypes: ['*'],
    });
    expect(ftp.status).toBe(400);
    const duplicate = await call('POST', '/v1/webhooks', {
      subscriptionId: 'risk-desk',
      url: 'http://127.0.0.1:1/',
      eventTypes: ['*'],
    });
    expect(duplicate.status).toBe(409);
    const floatMoney = await call('POST', '/v1/finance/prices', {
      actorId: 'officer-1',
      prices: [
        {
          commodity: 'steel-coil',
          priceMinorPerUnit: '35.5',
          unitGrams: '1000000',
          currency: 'CNY',
          asOfMs: 1,
          source: 'x',
        },
      ],
    });
    expect(floatMoney.status).toBe(400);
    expect((floatMoney.body.error as { code: string }).code).toBe('price_record_invalid');
    const unknownLot = await call('GET', '/v1/finance/collateral/lots/nope');
    expect(unknownLot.status).toBe(404);
    const releaseUnknown = await call('POST', '/v1/finance/collateral/lots/nope/release-orders', {
      releaseOrderId: 'ro-9',
      authorisedGrams: '1',
      validFromMs: 0,
      validUntilMs: 1,
      actorId: 'officer-1',
    });
    expect(releaseUnknown.status).toBe(404);
    expect((releaseUnknown.body.error as { code: string }).code).toBe('collateral_lot_unknown');
    const csvPrices = await call('POST', '/v1/finance/prices', {
      actorId: 'officer-1',
      csv: 'commodity,priceMinorPerUnit,unitGrams,currency,asOfMs,source\ncopper-cathode,6800000,1000000,CNY,1764000000000,csv:lme\n',
    });
    expect(csvPrices.status).toBe(201);
  });
});
