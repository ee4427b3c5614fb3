import { describe, expect, it } from 'vitest';
import { parseEdgeConfig } from './config.ts';

const base = { edgeId: 'edge-1', dataDir: '/tmp/edge-1', cloud: { url: 'http://127.0.0.1:8080' } };

describe('edge config profiles', () => {
  it('standard: a batch a second, uncompressed', () => {
    const config = parseEdgeConfig(base);
    expect(config.profile).toBe('standard');
    expect(config.batch).toEqual({ intervalMs: 1_000, framesMax: 2_000, backlogIntervalMs: 60_000 });
    expect(config.uplink).toEqual({ compression: 'none' });
  });

  it('low-bandwidth: longer, larger batches, gzip; explicit keys win', () => {
    expect(parseEdgeConfig({ ...base, profile: 'low-bandwidth' })).toMatchObject({
      batch: { intervalMs: 30_000, framesMax: 10_000 },
      uplink: { compression: 'gzip' },
    });
    expect(
      parseEdgeConfig({
        ...base,
        profile: 'low-bandwidth',
        batch: { intervalMs: 60_000 },
        uplink: { compression: 'br' },
      }),
    ).toMatchObject({ batch: { intervalMs: 60_000, framesMax: 10_000 }, uplink: { compression: 'br' } });
  });

  it('names the bad key', () => {
    expect(() => parseEdgeConfig({ ...base, profile: 'satellite' })).toThrow(/edge\.profile/);
    expect(() => parseEdgeConfig({ ...base, uplink: { compression: 'zip' } })).toThrow(/edge\.uplink\.compression/);
    expect(() => parseEdgeConfig({ ...base, uplink: 'gzip' })).toThrow(/edge\.uplink/);
  });
});
