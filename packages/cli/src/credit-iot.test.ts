import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudServer, startCloudServer } from '@fieldproof/cloud';
import { verifyDecisionBundle, verifyFrameBundle } from '@fieldproof/ledger';
import {
  canonicalizeFrame,
  type DecisionProofBundle,
  frameIdOf,
  GENESIS_BATCH_HASH,
  generateKeyPair,
  type SignedFrame,
  sign,
  type TrustFile,
  toBase64,
  utf8,
} from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../_test/post-json.ts';
import { dropSchema, freshSchemaName, postgresAvailable, postgresTestUrl } from '../_test/postgres.ts';
import { buildBatch } from '../_test/signed-batch.ts';
import { getJson, waitFor } from '../_test/wait-for.ts';

// The credit score's operating rate computed by the cloud from the power meter's logged frames.
interface Trace {
  publicKey: string;
  frames: SignedFrame[];
}
const trace = JSON.parse(
  readFileSync(new URL('../../protocol/_test/traces/power-meter.json', import.meta.url), 'utf8'),
) as Trace;
const dayMs = 86_400_000;
const edgeKey = generateKeyPair('ed25519');
// line-2: a meter without an energy counter: the trace's day-1 frames with only their power
// reading, re-signed, and frames 40–43 left out (a 25-minute gap).
const line2Key = generateKeyPair('ed25519');
const line2Frames: SignedFrame[] = trace.frames
  .filter((signed) => signed.frame.deviceTimeMs < Date.UTC(2026, 10, 23))
  .filter((signed) => signed.frame.seq < 40 || signed.frame.seq > 43)
  .map((signed) => {
    const frame = {
      ...signed.frame,
      deviceId: 'line-2',
      readings: signed.frame.readings.filter((reading) => reading.kind === 'power'),
    };
    return { frame, alg: 'ed25519', sig: toBase64(sign(line2Key, utf8(canonicalizeFrame(frame)))) } as SignedFrame;
  });
const postgresUp = await postgresAvailable();
const backends = [
  { name: 'sqlite', up: true },
  { name: 'postgres', up: postgresUp },
] as const;
let cloud: CloudServer;

interface ScoreAnswer {
  decisionId: string;
  score: { contributions: { feature: string; value: number | null; reasonCode: string; reasonText: string }[] };
  iot: {
    featuresFromFrames: string[];
    featuresOverriddenByCaller: string[];
    runningDays: number;
    powerDays: number;
    framesRead: number;
    days: { kwh: number; source: string }[];
    citedFrameIds: string[];
  };
  error?: { code: string };
}
async function call(path: string, body: unknown): Promise<{ status: number; body: ScoreAnswer }> {
  const response = await fetch(`${cloud.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cloud.adminToken}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as ScoreAnswer };
}

const noFeatures: Record<string, number | null> = {
  yearsOperating: 6,
  overdueCount24Months: 0,
  relatedPartyFindings: 0,
  electricityIndex: null,
  operatingRateBasisPoints: null,
  stockTurnoverHundredths: null,
  outputTrendBasisPoints: null,
  onTimeDeliveryBasisPoints: null,
  fourFlowConsistencyBasisPoints: null,
};
// The trace runs from 2026-11-22T16:00Z for 288 frames of 5 minutes: two UTC days.
const fromMs = Date.UTC(2026, 10, 22);
const toMs = Date.UTC(2026, 10, 24);
const scoreBody = (iot: Record<string, unknown>, features = noFeatures) => ({
  borrowerId: 'line-1-owner',
  features,
  annualVerifiedSalesMinor: '120000000',
  collateralLendingValueMinor: '30000000',
  existingExposureMinor: '0',
  productCapMinor: '50000000',
  currency: 'CNY',
  organisationId: 'bank',
  actorId: 'officer-1',
  iot: { powerMeterDeviceId: 'line-1', ratedDailyKwh: 1_000, runningThresholdBasisPoints: 3_000, fromMs, toMs, ...iot },
});

describe.each(backends)('POST /v1/finance/credit/scores with an iot block, $name store', (backend) => {
  if (!backend.up) {
    it.skip('needs PostgreSQL', () => {});
    return;
  }
  const schema = freshSchemaName();
  const root = mkdtempSync(join(tmpdir(), 'fieldproof-credit-iot-'));
  beforeAll(async () => {
    cloud = await startCloudServer({
      dataDir: join(root, 'cloud'),
      http: { port: 0 },
      checkpointIntervalMs: 50,
      ...(backend.name === 'postgres' ? { store: { kind: 'postgres' as const, url: postgresTestUrl, schema } } : {}),
    });
    const admin = (path: string, body: unknown) => postJson(`${cloud.url}${path}`, body, cloud.adminToken);
    await admin('/v1/edges', { edgeId: 'edge-1', alg: 'ed25519', publicKey: toBase64(edgeKey.publicKey) });
    await admin('/v1/devices', { deviceId: 'line-1', alg: 'ed25519', publicKey: trace.publicKey, edgeId: 'edge-1' });
    await admin('/v1/devices', {
      deviceId: 'line-2',
      alg: 'ed25519',
      publicKey: toBase64(line2Key.publicKey),
      edgeId: 'edge-1',
    });
    const first = buildBatch(edgeKey, 'edge-1', 0, GENESIS_BATCH_HASH, trace.frames);
    await postJson(`${cloud.url}/v1/ingest/batches`, { batch: first.batch, frames: first.frames });
    const second = buildBatch(edgeKey, 'edge-1', 1, first.batchHash, line2Frames);
    await postJson(`${cloud.url}/v1/ingest/batches`, { batch: second.batch, frames: second.frames });
  });
  afterAll(async () => {
    await cloud?.stop();
    rmSync(root, { recursive: true, force: true });
    if (backend.name === 'postgres') await dropSchema(schema);
  });

  it('computes the operating rate from the logged frames, gives its reasons and cites provable frames', async () => {
    // By hand from the trace: split by UTC day of deviceTimeMs, kWh = last − first energy counter.
    const day1 = trace.frames.filter((signed) => signed.frame.deviceTimeMs < fromMs + dayMs);
    const day2 = trace.frames.filter((signed) => signed.frame.deviceTimeMs >= fromMs + dayMs);
    expect([day1.length, day2.length]).toEqual([96, 192]); // 16:00–23:55 and 00:00–15:55
    const energy = (signed: SignedFrame | undefined) =>
      signed?.frame.readings.find((reading) => reading.kind === 'energy')?.value as number;
    expect([energy(day1[0]), energy(day1.at(-1))]).toEqual([0, 157.892]);
    expect([energy(day2[0]), energy(day2.at(-1))]).toEqual([182.633, 4184.392]);
    // Day 1: ⌊157.892 − 0⌋ = 157 kWh; day 2: ⌊4184.392 − 182.633⌋ = ⌊4001.759⌋ = 4001 kWh.
    // Running floor: 1,000 kWh × 3,000 bp = 300 kWh. Day 1 (157) is not running, day 2 (4001) is.
    // Operating rate = 1 running day × 10,000 ÷ 2 days = 5,000 bp.
    const expectedOperatingRate = Math.floor((1 * 10_000) / 2);
    expect(expectedOperatingRate).toBe(5_000);

    const answer = await call('/v1/finance/credit/scores', scoreBody({}));
    expect(answer.status).toBe(201);
    const { score, iot, decisionId } = answer.body;
    expect(iot.featuresFromFrames).toEqual(['operatingRateBasisPoints']);
    expect(iot.featuresOverriddenByCaller).toEqual([]);
    expect(iot.days.map((day) => [day.kwh, day.source])).toEqual([
      [157, 'energy_counter'],
      [4001, 'energy_counter'],
    ]);
    expect([iot.runningDays, iot.powerDays, iot.framesRead]).toEqual([1, 2, 288]);
    // The reasons name it with the value read.
    const contribution = score.contributions.find((entry) => entry.feature === 'operatingRateBasisPoints');
    expect(contribution?.value).toBe(expectedOperatingRate);
    expect(contribution?.reasonCode).toEqual(expect.any(String));
    expect(contribution?.reasonText).toEqual(expect.any(String));

    // The cited frames are the first and last of each day, and they are the decision's inputs.
    const idOf = (signed: SignedFrame | undefined) => frameIdOf('intl', signed as SignedFrame);
    const cited = [idOf(day1[0]), idOf(day1.at(-1)), idOf(day2[0]), idOf(day2.at(-1))];
    expect(iot.citedFrameIds).toEqual(cited);
    const trust = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
    const decision = await waitFor(`proof of decision ${decisionId}`, async () => {
      const response = await fetch(`${cloud.url}/v1/decisions/${decisionId}/proof`, {
        headers: { authorization: `Bearer ${cloud.adminToken}` },
      });
      return response.status === 200 ? ((await response.json()) as DecisionProofBundle) : undefined;
    });
    expect(verifyDecisionBundle(decision, trust).ok).toBe(true);
    expect(JSON.stringify(decision)).toContain(cited[3]);
    const frameBundle = await waitFor(`proof of frame ${cited[3]}`, async () => {
      const response = await fetch(`${cloud.url}/v1/frames/${cited[3]}/proof`, {
        headers: { authorization: `Bearer ${cloud.adminToken}` },
      });
      return response.status === 200 ? await response.json() : undefined;
    });
    expect(verifyFrameBundle(frameBundle, trust).steps.filter((step) => !step.ok)).toEqual([]);
  });

  it("keeps the caller's explicit feature and says the frames' was overridden", async () => {
    const answer = await call(
      '/v1/finance/credit/scores',
      scoreBody({}, { ...noFeatures, operatingRateBasisPoints: 9_000 }),
    );
    expect(answer.status).toBe(201);
    expect(answer.body.iot).toMatchObject({
      featuresFromFrames: [],
      featuresOverriddenByCaller: ['operatingRateBasisPoints'],
      citedFrameIds: [],
    });
    const contribution = answer.body.score.contributions.find((entry) => entry.feature === 'operatingRateBasisPoints');
    expect(contribution?.value).toBe(9_000);
  });

  it('integrates power when a meter has no energy counter, adds nothing over a gap, and counts a silent day 0 kWh', async () => {
    // By hand: each reading held for 5 min (1/12 h) until the next; the gap 39 → 44 (25 min) adds nothing.
    let kwh = 0;
    for (let i = 1; i < line2Frames.length; i++) {
      const previous = line2Frames[i - 1] as SignedFrame;
      const current = line2Frames[i] as SignedFrame;
      if (current.frame.deviceTimeMs - previous.frame.deviceTimeMs > 15 * 60_000) continue;
      kwh += (previous.frame.readings[0]?.value as number) / 12;
    }
    expect(line2Frames).toHaveLength(92);
    expect(Math.floor(kwh)).toBe(149); // Σ kW ÷ 12 over 90 held readings (91 steps, one a gap) = 149.45 kWh
    const answer = await call(
      '/v1/finance/credit/scores',
      scoreBody({ powerMeterDeviceId: 'line-2', ratedDailyKwh: 400, toMs: fromMs + 3 * dayMs }),
    );
    expect(answer.status).toBe(201);
    const { iot } = answer.body;
    expect(iot.days.map((day) => [day.kwh, day.source])).toEqual([
      [Math.floor(kwh), 'power_integrated'],
      [0, 'no_frames'],
      [0, 'no_frames'],
    ]);
    // The rated 400 kWh × 30 % = 120 kWh floor: day 1 (149) runs, the two silent days do not.
    expect([iot.runningDays, iot.powerDays]).toEqual([1, 3]);
    expect(iot.citedFrameIds).toEqual([
      frameIdOf('intl', line2Frames[0] as SignedFrame),
      frameIdOf('intl', line2Frames.at(-1) as SignedFrame),
    ]);
    const contribution = answer.body.score.contributions.find((entry) => entry.feature === 'operatingRateBasisPoints');
    expect(contribution?.value).toBe(3_333); // ⌊1 × 10,000 ÷ 3⌋
  });

  it('refuses a window over 92 days, a window not on UTC midnights, and an unknown meter', async () => {
    const tooLong = await call('/v1/finance/credit/scores', scoreBody({ toMs: fromMs + 93 * dayMs }));
    expect(tooLong).toMatchObject({ status: 400, body: { error: { code: 'credit_iot_window_invalid' } } });
    const unaligned = await call('/v1/finance/credit/scores', scoreBody({ fromMs: fromMs + 1 }));
    expect(unaligned).toMatchObject({ status: 400, body: { error: { code: 'credit_iot_window_invalid' } } });
    const unknown = await call('/v1/finance/credit/scores', scoreBody({ powerMeterDeviceId: 'line-9' }));
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'credit_iot_device_unknown' } } });
    const extra = await call('/v1/finance/credit/scores', scoreBody({ meter: 'x' }));
    expect(extra).toMatchObject({ status: 400, body: { error: { code: 'request_invalid' } } });
  });
});
