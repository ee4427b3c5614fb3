import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudServer, startCloudServer } from '@fieldproof/cloud';
import { verifyDecisionBundle, verifyFrameBundle } from '@fieldproof/ledger';
import {
  type DecisionProofBundle,
  frameIdOf,
  GENESIS_BATCH_HASH,
  generateKeyPair,
  type SignedFrame,
  type TrustFile,
  toBase64,
} from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch, postJson } from '../_test/build-batch.ts';
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
const root = mkdtempSync(join(tmpdir(), 'fieldproof-credit-iot-'));
const edgeKey = generateKeyPair('ed25519');
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

beforeAll(async () => {
  cloud = await startCloudServer({ dataDir: join(root, 'cloud'), http: { port: 0 }, checkpointIntervalMs: 50 });
  const admin = (path: string, body: unknown) => postJson(`${cloud.url}${path}`, body, cloud.adminToken);
  await admin('/v1/edges', { edgeId: 'edge-1', alg: 'ed25519', publicKey: toBase64(edgeKey.publicKey) });
  await admin('/v1/devices', { deviceId: 'line-1', alg: 'ed25519', publicKey: trace.publicKey, edgeId: 'edge-1' });
  const { batch, frames } = buildBatch(edgeKey, 'edge-1', 0, GENESIS_BATCH_HASH, trace.frames);
  await postJson(`${cloud.url}/v1/ingest/batches`, { batch, frames });
});
afterAll(async () => {
  await cloud?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('POST /v1/finance/credit/scores with an iot block (SQLite store, the recorded power-meter trace)', () => {
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
      const response = await fetch(`${cloud.url}/v1/decisions/${decisionId}/proof`);
      return response.status === 200 ? ((await response.json()) as DecisionProofBundle) : undefined;
    });
    expect(verifyDecisionBundle(decision, trust).ok).toBe(true);
    expect(JSON.stringify(decision)).toContain(cited[3]);
    const frameBundle = await waitFor(`proof of frame ${cited[3]}`, async () => {
      const response = await fetch(`${cloud.url}/v1/frames/${cited[3]}/proof`);
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
