import { canonicalize, generateKeyPair, type SignedFrame, sign, toBase64, utf8 } from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import { verifyFrameOrigin } from '../ingest/verify-frame-origin.ts';
import { deviceKeyForTime } from './device-key-for-time.ts';
import {
  type IdentityAction,
  type IdentityStatus,
  identityActions,
  identityStatuses,
  nextIdentityStatus,
} from './identity-lifecycle.ts';

describe('nextIdentityStatus', () => {
  it('allows exactly the lifecycle transitions', () => {
    const allowed: string[] = [];
    for (const from of identityStatuses) {
      for (const action of identityActions) {
        const to = nextIdentityStatus('device', from, action);
        if (to) allowed.push(`${from} -${action}-> ${to}`);
      }
    }
    expect(allowed).toEqual([
      'registered -activate-> active',
      'registered -revoke-> revoked',
      'active -suspend-> suspended',
      'active -revoke-> revoked',
      'active -retire-> retired',
      'suspended -resume-> active',
      'suspended -revoke-> revoked',
      'suspended -retire-> retired',
    ]);
  });

  it('never activates an edge, and revoked and retired are final', () => {
    expect(nextIdentityStatus('edge', 'registered', 'activate')).toBeUndefined();
    expect(nextIdentityStatus('edge', 'active', 'suspend')).toBe('suspended');
    for (const action of identityActions) {
      expect(nextIdentityStatus('device', 'revoked', action as IdentityAction)).toBeUndefined();
      expect(nextIdentityStatus('device', 'retired', action as IdentityAction)).toBeUndefined();
    }
  });
});

describe('deviceKeyForTime', () => {
  const registered = { alg: 'ed25519', publicKey: new Uint8Array(32).fill(1) };
  const rotated = [
    { alg: 'ed25519', publicKey: new Uint8Array(32).fill(3), validFromMs: 3_000 },
    { alg: 'ecdsa-p256', publicKey: new Uint8Array(65).fill(2), validFromMs: 2_000 },
  ];
  it('picks the key whose validity starts last at or before the frame time', () => {
    expect(deviceKeyForTime(registered, rotated, 1_999).validFromMs).toBeNull();
    expect(deviceKeyForTime(registered, rotated, 2_000)).toMatchObject({ alg: 'ecdsa-p256', validFromMs: 2_000 });
    expect(deviceKeyForTime(registered, rotated, 2_999).validFromMs).toBe(2_000);
    expect(deviceKeyForTime(registered, rotated, 9_999).validFromMs).toBe(3_000);
  });
});

describe('verifyFrameOrigin with a lifecycle status', () => {
  const key = generateKeyPair('ed25519');
  const frameAt = (deviceTimeMs: number): SignedFrame => {
    const frame = { deviceId: 'dev-1', seq: 1, deviceTimeMs, readings: [{ kind: 'weight', value: 1 }] };
    return { frame, alg: 'ed25519', sig: toBase64(sign(key, utf8(canonicalize(frame)))) };
  };
  const device = {
    device_id: 'dev-1',
    alg: 'ed25519',
    public_key: key.publicKey,
    edge_id: 'e',
    attestation: 'device-signed' as const,
  };
  const edge = { edge_id: 'e', alg: 'ed25519', public_key: new Uint8Array(32) };
  const codeFor = (status: IdentityStatus, deviceTimeMs: number, statusChangedAtMs: number | null = 5_000) => {
    const result = verifyFrameOrigin({
      frame: frameAt(deviceTimeMs),
      message: '',
      device,
      edge,
      identity: { status, statusChangedAtMs, keys: [] },
    });
    return result.ok ? 'ok' : result.code;
  };
  it('refuses by status, and a revoked device only from the revocation time on', () => {
    expect(codeFor('active', 1)).toBe('ok');
    expect(codeFor('registered', 1)).toBe('device_inactive');
    expect(codeFor('suspended', 1)).toBe('device_suspended');
    expect(codeFor('retired', 1)).toBe('device_retired');
    expect(codeFor('revoked', 4_999)).toBe('ok');
    expect(codeFor('revoked', 5_000)).toBe('device_revoked');
  });
});
