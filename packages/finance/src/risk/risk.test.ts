import { describe, expect, it } from 'vitest';
import { copperPrice, dayMs, demoDayMs, demoLot, hourMs, tonneGrams } from '../../_test/collateral-fixtures.ts';
import type { PledgedLot, ReleaseOrder, StockMovementEvent } from '../collateral/collateral-types.ts';
import type { AlertCandidate } from './alert-types.ts';
import { checkCircularTrade, type TradeCycleFinding } from './check-circular-trade.ts';
import { checkDeviceHealth } from './check-device-health.ts';
import { checkDoublePledge } from './check-double-pledge.ts';
import { checkGeofence } from './check-geofence.ts';
import { checkLoanToValue } from './check-loan-to-value.ts';
import { checkOutputCollapse } from './check-output-collapse.ts';
import { checkUnreleasedOutflow } from './check-unreleased-outflow.ts';
import { createMemoryAlertStore } from './memory-alert-store.ts';
import { raiseAlerts } from './raise-alerts.ts';
import { RiskError } from './risk-error.ts';
import { sweepRisk } from './sweep-risk.ts';
import { applyAlertAction, transitionAlert } from './transition-alert.ts';

const minuteMs = 60_000;
const loanMinor = 350_000_000n;

function lot(overrides: Partial<PledgedLot> = {}): PledgedLot {
  return { ...demoLot(), status: 'pledged', pledgeDecisionId: 'dec-pledge-1', ...overrides };
}

function outEvent(eventId: string, weightGrams: bigint, atMs: number): StockMovementEvent {
  return {
    eventId,
    deviceId: 'lc-1',
    siteId: 'site-wh1',
    direction: 'out',
    weightGrams,
    atMs,
    frameIds: [`frame-${eventId}`],
  };
}

describe('checkLoanToValue', () => {
  it('planted problem: after the copper price falls 12%, the lot crosses its warning line (medium, keyed by lot and line)', () => {
    // Same working as the collateral test: lending 492,800,000 fen, LTV ⌈7,102.27⌉ = 7,103 bp ≥ 7,000
    const price = { price: copperPrice(61_600n, demoDayMs), ageMs: hourMs, stale: false };
    const { alerts } = checkLoanToValue({
      lot: lot(),
      loanOutstandingMinor: loanMinor,
      price,
      atMs: demoDayMs + hourMs,
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'ltv_breach',
      dedupKey: 'ltv.lot-1.warning',
      severity: 'medium',
      details: { ltvBasisPoints: 7_103, lineBasisPoints: 7_000, repaymentToRestoreMinor: '29680000' },
      evidence: [{ kind: 'decision', id: 'dec-pledge-1' }],
    });
  });

  it('raises nothing at ¥70,000/t (6,250 bp), critical at ¥48,000/t (9,115 bp), and flags a stale price', () => {
    const fresh = { price: copperPrice(70_000n, demoDayMs), ageMs: 0, stale: false };
    expect(
      checkLoanToValue({ lot: lot(), loanOutstandingMinor: loanMinor, price: fresh, atMs: demoDayMs }).alerts,
    ).toEqual([]);
    const crash = { price: copperPrice(48_000n, demoDayMs - 3 * dayMs), ageMs: 3 * dayMs, stale: true };
    const { alerts } = checkLoanToValue({ lot: lot(), loanOutstandingMinor: loanMinor, price: crash, atMs: demoDayMs });
    expect(alerts.map((alert) => [alert.rule, alert.severity, alert.dedupKey])).toEqual([
      ['ltv_breach', 'critical', 'ltv.lot-1.forced_sale'],
      ['price_stale', 'low', 'price_stale.org-bank-a.copper-cathode.CNY'],
    ]);
    expect(alerts[0]?.details.ltvBasisPoints).toBe(9_115);
  });
});

describe('checkUnreleasedOutflow', () => {
  const order: ReleaseOrder = {
    releaseOrderId: 'ro-1',
    lotId: 'lot-1',
    authorisedGrams: 10n * tonneGrams,
    releasedGrams: 0n,
    validFromMs: demoDayMs,
    validUntilMs: demoDayMs + dayMs,
    status: 'open',
    decisionId: 'dec-ro-1',
  };

  it('planted problem: 8 t leaving with no release order raises a critical alert with the event, its frames and the pledge', () => {
    const alerts = checkUnreleasedOutflow({
      lot: lot(),
      releaseOrders: [],
      event: outEvent('ev-theft', 8n * tonneGrams, demoDayMs + hourMs),
      toleranceGrams: 50_000n,
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'goods_left_without_release',
      severity: 'critical',
      dedupKey: 'outflow.ev-theft',
      details: { unauthorisedGrams: '8000000', coveredGrams: '0' },
      evidence: [
        { kind: 'event', id: 'ev-theft' },
        { kind: 'frame', id: 'frame-ev-theft' },
        { kind: 'decision', id: 'dec-pledge-1' },
      ],
    });
  });

  it('passes goods covered by a release order (with tolerance), flags only the excess, and ignores in-events and other devices', () => {
    const covered = outEvent('ev-ok', 10_040_000n, demoDayMs + hourMs); // 10 t + 40 kg, tolerance 50 kg
    expect(
      checkUnreleasedOutflow({ lot: lot(), releaseOrders: [order], event: covered, toleranceGrams: 50_000n }),
    ).toEqual([]);
    // 12 t against a 10 t order: 2 t unauthorised
    const over = checkUnreleasedOutflow({
      lot: lot(),
      releaseOrders: [order],
      event: outEvent('ev-over', 12n * tonneGrams, demoDayMs + hourMs),
      toleranceGrams: 50_000n,
    });
    expect(over[0]?.details).toMatchObject({
      unauthorisedGrams: '2000000',
      coveredGrams: '10000000',
      releaseOrderIds: 'ro-1',
    });
    // After the order's window it covers nothing.
    const late = checkUnreleasedOutflow({
      lot: lot(),
      releaseOrders: [order],
      event: outEvent('ev-late', tonneGrams, demoDayMs + 2 * dayMs),
      toleranceGrams: 0n,
    });
    expect(late[0]?.details.unauthorisedGrams).toBe('1000000');
    const inbound = { ...outEvent('ev-in', tonneGrams, demoDayMs), direction: 'in' as const };
    expect(checkUnreleasedOutflow({ lot: lot(), releaseOrders: [], event: inbound, toleranceGrams: 0n })).toEqual([]);
    const elsewhere = { ...outEvent('ev-x', tonneGrams, demoDayMs), deviceId: 'lc-77' };
    expect(checkUnreleasedOutflow({ lot: lot(), releaseOrders: [], event: elsewhere, toleranceGrams: 0n })).toEqual([]);
  });
});

describe('checkDeviceHealth', () => {
  const state = { deviceId: 'lc-1', lastSeenAtMs: demoDayMs, lotIds: ['lot-1'], organisationId: 'org-bank-a' };
  const offlineAfterMs = 30 * minuteMs;

  it('is quiet at 29 min of silence, offline at 31 min, and a heartbeat moves last-seen forward only', () => {
    expect(checkDeviceHealth({ state, nowMs: demoDayMs + 29 * minuteMs, offlineAfterMs }).alerts).toEqual([]);
    const silent = checkDeviceHealth({ state, nowMs: demoDayMs + 31 * minuteMs, offlineAfterMs });
    expect(silent.alerts).toMatchObject([
      { rule: 'device_offline', severity: 'high', dedupKey: 'offline.lc-1', details: { silentMs: 31 * minuteMs } },
    ]);
    const heartbeat = {
      eventId: 'hb-1',
      deviceId: 'lc-1',
      kind: 'heartbeat' as const,
      atMs: demoDayMs + 20 * minuteMs,
      frameIds: ['f-hb'],
    };
    const after = checkDeviceHealth({ state, event: heartbeat, nowMs: demoDayMs + 31 * minuteMs, offlineAfterMs });
    expect([after.state.lastSeenAtMs, after.alerts]).toEqual([demoDayMs + 20 * minuteMs, []]);
    const old = checkDeviceHealth({
      state: after.state,
      event: { ...heartbeat, atMs: demoDayMs },
      nowMs: demoDayMs + 31 * minuteMs,
      offlineAfterMs,
    });
    expect(old.state.lastSeenAtMs).toBe(demoDayMs + 20 * minuteMs);
  });

  it('raises tampering as critical with its frames, an offline notice at once, and nothing for a device watching no lot', () => {
    const tamper = {
      eventId: 'tp-1',
      deviceId: 'lc-1',
      kind: 'tamper' as const,
      atMs: demoDayMs + minuteMs,
      frameIds: ['f-tp'],
    };
    const result = checkDeviceHealth({ state, event: tamper, nowMs: demoDayMs + minuteMs, offlineAfterMs });
    expect(result.alerts).toMatchObject([
      {
        rule: 'device_tampered',
        severity: 'critical',
        evidence: [
          { kind: 'event', id: 'tp-1' },
          { kind: 'frame', id: 'f-tp' },
        ],
      },
    ]);
    const notice = { ...tamper, eventId: 'off-1', kind: 'offline' as const, frameIds: [] };
    expect(
      checkDeviceHealth({ state, event: notice, nowMs: demoDayMs + minuteMs, offlineAfterMs }).alerts[0]?.rule,
    ).toBe('device_offline');
    expect(
      checkDeviceHealth({ state: { ...state, lotIds: [] }, event: tamper, nowMs: demoDayMs + dayMs, offlineAfterMs })
        .alerts,
    ).toEqual([]);
  });
});

describe('checkGeofence', () => {
  const fence = { fenceId: 'fence-wh1', centreLatitude: 30.2741, centreLongitude: 120.1551, radiusMetres: 1_000 };
  const fix = (latitude: number) => ({
    eventId: 'pos-1',
    deviceId: 'gps-7',
    latitude,
    longitude: 120.1551,
    atMs: demoDayMs,
    frameIds: ['f-pos'],
  });

  it('raises an exit 0.01° north (6,371,008.8 m × π/180 × 0.01 = 1,111.95 m → 1,112 m > 1,000 m) and not 0.005° north (556 m)', () => {
    const out = checkGeofence({ fence, position: fix(30.2841), subjectId: 'lot-1', organisationId: 'org-bank-a' });
    expect(out).toMatchObject([
      {
        rule: 'geofence_exit',
        severity: 'high',
        dedupKey: 'geofence.gps-7.fence-wh1',
        details: { distanceMetres: 1_112 },
      },
    ]);
    expect(checkGeofence({ fence, position: fix(30.2791), subjectId: 'lot-1', organisationId: 'org-bank-a' })).toEqual(
      [],
    );
  });

  it('refuses a zero radius and an impossible latitude', () => {
    expect(() =>
      checkGeofence({ fence: { ...fence, radiusMetres: 0 }, position: fix(30), subjectId: 's', organisationId: 'o' }),
    ).toThrow(RiskError);
    expect(() => checkGeofence({ fence, position: fix(91), subjectId: 's', organisationId: 'o' })).toThrow(
      expect.objectContaining({ code: 'risk_input_invalid' }),
    );
  });
});

describe('checkOutputCollapse', () => {
  const base = {
    borrowerId: 'org-smelter',
    organisationId: 'org-bank-a',
    recentDays: 7,
    baselineDays: 28,
    collapseBasisPoints: 5_000,
    atMs: demoDayMs,
    evidence: [],
  };

  it('raises at 40% of the baseline and not at exactly 50%', () => {
    // share = ⌊(7 × 40) × 28 × 10,000 ÷ ((28 × 100) × 7)⌋ = ⌊78,400,000 ÷ 19,600⌋ = 4,000 bp < 5,000
    const collapsed = checkOutputCollapse({
      ...base,
      dailyOutputUnits: [...Array(28).fill(100), ...Array(7).fill(40)],
    });
    expect(collapsed).toMatchObject([
      { rule: 'output_collapse', dedupKey: 'output_collapse.org-smelter', details: { recentShareBasisPoints: 4_000 } },
    ]);
    // 7 × 50 = 350: 350 × 28 × 10,000 ÷ 19,600 = 5,000, not below 5,000
    expect(checkOutputCollapse({ ...base, dailyOutputUnits: [...Array(28).fill(100), ...Array(7).fill(50)] })).toEqual(
      [],
    );
    expect(checkOutputCollapse({ ...base, dailyOutputUnits: Array(35).fill(0) })).toEqual([]);
    expect(() => checkOutputCollapse({ ...base, dailyOutputUnits: [1, 2, 3] })).toThrow(
      expect.objectContaining({ code: 'risk_input_invalid' }),
    );
  });
});

describe('checkDoublePledge and checkCircularTrade', () => {
  it('planted problem: the same load cell behind lots at two banks gives one alert, whichever lot is checked', () => {
    const first = lot();
    const second = lot({
      lotId: 'lot-9',
      pledgeeId: 'org-bank-b',
      goodsIdentity: 'bay-9',
      receiptNumbers: ['WH1:R-0900'],
      monitoringDeviceIds: ['lc-2'],
      pledgeDecisionId: 'dec-pledge-9',
    });
    const fromFirst = checkDoublePledge({ lot: first, otherLots: [second], atMs: demoDayMs });
    const fromSecond = checkDoublePledge({ lot: second, otherLots: [first], atMs: demoDayMs });
    expect(fromFirst).toMatchObject([
      {
        rule: 'double_pledge',
        severity: 'critical',
        dedupKey: 'double_pledge.lot-1.lot-9',
        details: { reasons: 'shared_device', sharedDeviceIds: 'lc-2' },
      },
    ]);
    expect(fromSecond[0]?.dedupKey).toBe(fromFirst[0]?.dedupKey);
    expect(checkDoublePledge({ lot: first, otherLots: [{ ...second, status: 'released' }], atMs: demoDayMs })).toEqual(
      [],
    );
  });

  it('calls a ring fictitious when IoT saw 20 t of 500 t claimed, circular when it saw 480 t, and ignores unmonitored rings', () => {
    const cycle: TradeCycleFinding = {
      cycleId: 'cycle-1',
      organisationIds: ['org-a', 'org-b', 'org-c'],
      amountMinor: 3_000_000_000n,
      currency: 'CNY',
      windowStartMs: demoDayMs - 30 * dayMs,
      windowEndMs: demoDayMs,
      claimedGoodsGrams: 500n * tonneGrams,
      iotMovedGrams: 20n * tonneGrams,
      evidence: [{ kind: 'document', id: 'b'.repeat(64) }],
    };
    const common = {
      monitoredOrganisationIds: new Set(['org-b']),
      organisationId: 'org-bank-a',
      goodsToleranceBasisPoints: 1_000,
      atMs: demoDayMs,
    };
    // 20 t × 10,000 = 200,000 t·bp < 500 t × 9,000 = 4,500,000 t·bp → fictitious
    expect(checkCircularTrade({ ...common, cycles: [cycle] })).toMatchObject([
      {
        rule: 'fictitious_trade',
        severity: 'critical',
        dedupKey: 'cycle.cycle-1',
        details: { monitoredOrganisationIds: 'org-b' },
      },
    ]);
    // 480 t × 10,000 = 4,800,000 ≥ 4,500,000 → goods did move: circular, not fictitious
    expect(checkCircularTrade({ ...common, cycles: [{ ...cycle, iotMovedGrams: 480n * tonneGrams }] })[0]?.rule).toBe(
      'circular_trade',
    );
    expect(checkCircularTrade({ ...common, cycles: [{ ...cycle, iotMovedGrams: null }] })[0]?.severity).toBe('high');
    expect(checkCircularTrade({ ...common, monitoredOrganisationIds: new Set(['org-z']), cycles: [cycle] })).toEqual(
      [],
    );
  });
});

describe('alert lifecycle', () => {
  function candidate(overrides: Partial<AlertCandidate> = {}): AlertCandidate {
    return {
      rule: 'goods_left_without_release',
      dedupKey: 'outflow.ev-theft',
      severity: 'high',
      subjectId: 'lot-1',
      organisationId: 'org-bank-a',
      message: 'goods left',
      details: {},
      evidence: [
        { kind: 'event', id: 'ev-theft' },
        { kind: 'frame', id: 'f-1' },
      ],
      observedAtMs: demoDayMs,
      ...overrides,
    };
  }

  function setup() {
    const store = createMemoryAlertStore();
    let next = 0;
    return { store, newAlertId: () => `alert-${++next}` };
  }

  it('raises once per dedup key, repeats merge evidence and only raise severity', async () => {
    const dependencies = setup();
    const first = await raiseAlerts(dependencies, { candidates: [candidate()] });
    expect(first.raised.map((alert) => [alert.alertId, alert.state, alert.occurrences])).toEqual([
      ['alert-1', 'open', 1],
    ]);
    const again = await raiseAlerts(dependencies, {
      candidates: [
        candidate({
          severity: 'critical',
          observedAtMs: demoDayMs + 1,
          evidence: [
            { kind: 'frame', id: 'f-1' },
            { kind: 'frame', id: 'f-2' },
          ],
        }),
        candidate({ severity: 'low', observedAtMs: demoDayMs + 2 }),
      ],
    });
    expect(again.raised).toEqual([]);
    expect(again.repeated).toHaveLength(1);
    expect(again.repeated[0]).toMatchObject({
      alertId: 'alert-1',
      severity: 'critical',
      occurrences: 3,
      lastSeenAtMs: demoDayMs + 2,
    });
    expect(again.repeated[0]?.evidence.map((item) => item.id)).toEqual(['ev-theft', 'f-1', 'f-2']);
  });

  it('goes open → acknowledged → resolved with assignee, notes and an alert.resolved decision, then a recurrence is a new alert', async () => {
    const dependencies = setup();
    await raiseAlerts(dependencies, { candidates: [candidate()] });
    const { store } = dependencies;
    const acknowledged = await transitionAlert(
      { store },
      { alertId: 'alert-1', action: { type: 'acknowledge', actorId: 'risk-officer-1', atMs: demoDayMs + minuteMs } },
    );
    expect([acknowledged.alert.state, acknowledged.alert.assigneeId]).toEqual(['acknowledged', 'risk-officer-1']);
    await transitionAlert(
      { store },
      {
        alertId: 'alert-1',
        action: {
          type: 'assign',
          actorId: 'risk-officer-1',
          atMs: demoDayMs + 2 * minuteMs,
          assigneeId: 'site-inspector-3',
        },
      },
    );
    await transitionAlert(
      { store },
      {
        alertId: 'alert-1',
        action: {
          type: 'note',
          actorId: 'site-inspector-3',
          atMs: demoDayMs + hourMs,
          text: 'Video shows a forklift loading a truck at 01:12.',
        },
      },
    );
    const resolved = await transitionAlert(
      { store },
      {
        alertId: 'alert-1',
        action: {
          type: 'resolve',
          actorId: 'risk-officer-1',
          atMs: demoDayMs + 2 * hourMs,
          resolution: 'Goods returned and re-weighed; borrower warned.',
          decisionId: 'dec-alert-1',
        },
      },
    );
    expect(resolved.alert).toMatchObject({
      state: 'resolved',
      assigneeId: 'site-inspector-3',
      resolvedAtMs: demoDayMs + 2 * hourMs,
    });
    expect(resolved.alert.notes).toHaveLength(1);
    expect(resolved.alert.history.map((entry) => entry.action)).toEqual([
      'raised',
      'acknowledged',
      'assigned',
      'noted',
      'resolved',
    ]);
    expect(resolved.decision).toMatchObject({
      type: 'alert.resolved',
      subjectId: 'lot-1',
      inputs: [{ kind: 'frame', id: 'f-1' }],
      details: { eventIds: 'ev-theft' },
    });
    const recurrence = await raiseAlerts(dependencies, {
      candidates: [candidate({ observedAtMs: demoDayMs + dayMs })],
    });
    expect(recurrence.raised[0]?.alertId).toBe('alert-2');
  });

  it('refuses invalid transitions with codes and leaves the stored alert unchanged', async () => {
    const dependencies = setup();
    const [open] = (await raiseAlerts(dependencies, { candidates: [candidate()] })).raised;
    const at = demoDayMs + minuteMs;
    expect(() => applyAlertAction(open!, { type: 'resolve', actorId: 'x', atMs: at, resolution: 'done' })).toThrow(
      expect.objectContaining({ code: 'alert_transition_invalid' }),
    );
    expect(() => applyAlertAction(open!, { type: 'note', actorId: 'x', atMs: at, text: '   ' })).toThrow(
      expect.objectContaining({ code: 'alert_note_invalid' }),
    );
    expect(() => applyAlertAction(open!, { type: 'assign', actorId: 'x', atMs: at, assigneeId: '' })).toThrow(
      expect.objectContaining({ code: 'alert_assignee_invalid' }),
    );
    const acknowledged = applyAlertAction(open!, { type: 'acknowledge', actorId: 'x', atMs: at }).alert;
    expect(() => applyAlertAction(acknowledged, { type: 'acknowledge', actorId: 'x', atMs: at })).toThrow(
      expect.objectContaining({ code: 'alert_transition_invalid' }),
    );
    const resolved = applyAlertAction(acknowledged, {
      type: 'resolve',
      actorId: 'x',
      atMs: at,
      resolution: 'false alarm: scale recalibrated',
    }).alert;
    expect(resolved.resolution).toBe('false alarm: scale recalibrated');
    expect(() => applyAlertAction(resolved, { type: 'note', actorId: 'x', atMs: at, text: 'late' })).toThrow(
      expect.objectContaining({ code: 'alert_transition_invalid' }),
    );
    await expect(
      transitionAlert(
        { store: dependencies.store },
        { alertId: 'nope', action: { type: 'note', actorId: 'x', atMs: at, text: 'a' } },
      ),
    ).rejects.toMatchObject({ code: 'alert_not_found' });
    expect((await dependencies.store.get('alert-1'))?.state).toBe('open');
  });
});

describe('sweepRisk', () => {
  it('sweeps a small book: one LTV warning, one double pledge, one silent device, one missing price, released lots skipped', () => {
    const lots: PledgedLot[] = [
      lot(),
      lot({
        lotId: 'lot-2',
        goodsIdentity: 'bay-5',
        receiptNumbers: ['WH1:R-0005'],
        monitoringDeviceIds: ['lc-5'],
        quantityGrams: 200n * tonneGrams,
      }),
      lot({
        lotId: 'lot-3',
        siteId: 'site-wh2',
        goodsIdentity: 'bay-1',
        receiptNumbers: ['WH2:R-0001'],
        monitoringDeviceIds: ['lc-21'],
      }),
      lot({
        lotId: 'lot-4',
        pledgeeId: 'org-bank-b',
        siteId: 'site-wh2',
        goodsIdentity: 'bay-2',
        receiptNumbers: ['WH2:R-0001'],
        monitoringDeviceIds: ['lc-22'],
      }),
      lot({
        lotId: 'lot-5',
        commodity: 'nickel',
        goodsIdentity: 'bay-8',
        receiptNumbers: [],
        monitoringDeviceIds: ['lc-8'],
      }),
      lot({ lotId: 'lot-6', goodsIdentity: 'bay-3/batch-77', status: 'released', monitoringDeviceIds: ['lc-1'] }),
    ];
    const loans = new Map([
      ['lot-1', loanMinor], // 7,103 bp at ¥61,600: warning
      ['lot-2', loanMinor], // lending 985,600,000 → ⌈3,551.1⌉ = 3,552 bp: normal
      ['lot-3', 100_000_000n],
      ['lot-4', 100_000_000n],
      ['lot-5', 100_000_000n],
    ]);
    const seen = new Map(
      ['lc-1', 'lc-2', 'lc-5', 'lc-21', 'lc-22', 'lc-8'].map((id) => [id, demoDayMs + 3 * hourMs - 10 * minuteMs]),
    );
    seen.set('lc-22', demoDayMs - dayMs); // silent for a day and 3 h
    const result = sweepRisk({
      lots,
      loanOutstandingMinorByLotId: loans,
      priceRecords: [copperPrice(70_000n, demoDayMs - dayMs), copperPrice(61_600n, demoDayMs)],
      priceMaxAgeMs: dayMs,
      deviceLastSeenAtMs: seen,
      offlineAfterMs: 30 * minuteMs,
      nowMs: demoDayMs + 3 * hourMs,
    });
    expect(result.countsByRule).toEqual({ ltv_breach: 1, price_missing: 1, device_offline: 1, double_pledge: 1 });
    expect(result.lotsValued).toBe(4);
    expect(result.alerts.map((alert) => alert.dedupKey)).toEqual([
      'ltv.lot-1.warning',
      'price_missing.org-bank-a.nickel.CNY',
      'offline.lc-22',
      'double_pledge.lot-3.lot-4',
    ]);
  });
});
