import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, freshSchemaName, postgresAvailable, postgresTestUrl } from '../../_test/postgres-fixture.ts';
import { parseCloudConfig } from '../config.ts';
import { acquireSequencerLease } from './acquire-sequencer-lease.ts';

const available = await postgresAvailable();
const schema = freshSchemaName();
afterAll(async () => {
  if (available) await dropSchema(schema);
});

describe('scale-out config', () => {
  it('refuses scaleOut on SQLite, naming the key', () => {
    expect(() => parseCloudConfig({ dataDir: '/tmp/x', scaleOut: {} })).toThrow(/cloud\.store: scale-out roles/);
  });
  it('fills the defaults of every role and the bus', () => {
    const config = parseCloudConfig({
      dataDir: '/tmp/x',
      store: { kind: 'postgres', url: postgresTestUrl },
      scaleOut: { roles: ['ingest'] },
    });
    expect(config.scaleOut?.roles).toEqual(['ingest']);
    expect(config.scaleOut?.bus.servers).toEqual(['nats://127.0.0.1:4222']);
    expect(config.scaleOut?.bus.duplicateWindowMs).toBe(120_000);
  });
  it('names a bad bus key', () => {
    expect(() =>
      parseCloudConfig({
        dataDir: '/tmp/x',
        store: { kind: 'postgres', url: postgresTestUrl },
        scaleOut: { bus: { logId: 'has.dot' } },
      }),
    ).toThrow(/cloud\.scaleOut\.bus\.logId/);
  });
});

describe.runIf(available)('sequencer lease (PostgreSQL advisory lock)', () => {
  it('lets one sequencer hold a log; a second waits and takes over when the first lets go', async () => {
    const parameters = { url: postgresTestUrl, schema, logKey: 'example.com/log', retryMs: 50 };
    const first = await acquireSequencerLease(parameters);
    expect(first?.held).toBe(true);
    let waited = false;
    let secondHeld = false;
    const second = acquireSequencerLease({ ...parameters, onWait: () => (waited = true) }).then((lease) => {
      secondHeld = true;
      return lease;
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(waited).toBe(true);
    expect(secondHeld).toBe(false);
    // Another log (or schema) is not blocked.
    const other = await acquireSequencerLease({ ...parameters, logKey: 'example.com/other' });
    expect(other?.held).toBe(true);
    await first?.release();
    const taken = await second;
    expect(taken?.held).toBe(true);
    await taken?.release();
    await other?.release();
  }, 30_000);

  it('gives up waiting when aborted', async () => {
    const parameters = { url: postgresTestUrl, schema, logKey: 'example.com/abort', retryMs: 50 };
    const holder = await acquireSequencerLease(parameters);
    const abort = new AbortController();
    const waiting = acquireSequencerLease({ ...parameters, signal: abort.signal });
    setTimeout(() => abort.abort(), 200);
    expect(await waiting).toBeUndefined();
    await holder?.release();
  }, 30_000);
});
