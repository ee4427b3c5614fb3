import { generateKeyPair, keyPairSigner, SignedFrameSchema } from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import { startTestHttpReceiver } from '../_test/http-receiver.ts';
import { createDeviceClient } from './device-client.ts';
import { createHttpPublisher } from './http-publisher.ts';
import { PublishError } from './publish-error.ts';
import { createMemorySeqStore } from './seq-store.ts';

// This test exercises the SDK client only: the receiver is a real node:http server that records
// bodies and answers as told; the cloud's own ingest route is tested in the cloud package.
describe('createHttpPublisher', () => {
  const client = createDeviceClient({
    deviceId: 'cell-1',
    signer: keyPairSigner(generateKeyPair('ecdsa-p256')),
    seqStore: createMemorySeqStore(),
  });

  it('POSTs the signed frame as JSON and resolves on 2xx', async () => {
    const receiver = await startTestHttpReceiver(() => ({ status: 202, json: { accepted: true } }));
    const publisher = createHttpPublisher({ url: receiver.url });
    const signedFrame = client.buildFrame([{ kind: 'weight', value: 42, unit: 'kg' }]);
    await publisher.publish(signedFrame);
    expect(receiver.bodies).toHaveLength(1);
    expect(SignedFrameSchema.parse(JSON.parse(receiver.bodies[0] as string))).toEqual(signedFrame);
    await publisher.close();
    await receiver.close();
  });

  it('rejects with the HTTP status and the response code otherwise', async () => {
    const receiver = await startTestHttpReceiver(() => ({
      status: 409,
      json: { code: 'frame_replayed', message: 'seq not above the last accepted' },
    }));
    const publisher = createHttpPublisher({ url: receiver.url });
    const failure = await publisher.publish(client.buildFrame([{ kind: 'weight', value: 1 }])).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PublishError);
    expect(failure).toMatchObject({ status: 409, code: 'frame_replayed' });
    await receiver.close();
  });

  it('reads a nested error code, and falls back to http_error without one', async () => {
    const nested = await startTestHttpReceiver(() => ({
      status: 422,
      json: { error: { code: 'frame_signature_invalid' } },
    }));
    await expect(
      createHttpPublisher({ url: nested.url }).publish(client.buildFrame([{ kind: 'weight', value: 1 }])),
    ).rejects.toMatchObject({ status: 422, code: 'frame_signature_invalid' });
    await nested.close();
    const bare = await startTestHttpReceiver(() => ({ status: 500, json: 'oops' }));
    await expect(
      createHttpPublisher({ url: bare.url }).publish(client.buildFrame([{ kind: 'weight', value: 1 }])),
    ).rejects.toMatchObject({ status: 500, code: 'http_error' });
    await bare.close();
  });

  it('rejects with network_error when nothing listens', async () => {
    const receiver = await startTestHttpReceiver(() => ({ status: 200, json: {} }));
    await receiver.close();
    await expect(
      createHttpPublisher({ url: receiver.url, timeoutMs: 2000 }).publish(
        client.buildFrame([{ kind: 'weight', value: 1 }]),
      ),
    ).rejects.toMatchObject({ code: 'network_error', status: undefined });
  });

  it('refuses a URL that is not http or https', () => {
    expect(() => createHttpPublisher({ url: 'ftp://example.com/frames' })).toThrow(/http or https/);
  });
});
