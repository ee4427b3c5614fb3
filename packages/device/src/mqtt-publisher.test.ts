import { generateKeyPair, keyPairSigner, SignedFrameSchema, topics } from '@fieldproof/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestBroker, subscribeAll, type TestBroker, waitFor } from '../_test/mqtt-broker.ts';
import { createDeviceClient } from './device-client.ts';
import { createMqttPublisher } from './mqtt-publisher.ts';
import { PublishError } from './publish-error.ts';
import { createMemorySeqStore } from './seq-store.ts';

// A real Aedes broker in process and a real mqtt.js subscriber: no fakes.
describe('createMqttPublisher', () => {
  let broker: TestBroker;
  beforeEach(async () => {
    broker = await startTestBroker();
  });
  afterEach(async () => {
    await broker.close();
  });

  it('publishes signed frames with QoS 1 on the device topic; the subscriber gets exactly those', async () => {
    const subscriber = await subscribeAll(broker.url, topics.framesWildcard);
    const publisher = await createMqttPublisher({ url: broker.url, clientId: 'cell-1' });
    const client = createDeviceClient({
      deviceId: 'cell-1',
      signer: keyPairSigner(generateKeyPair('ed25519')),
      seqStore: createMemorySeqStore(),
    });
    const sent = Array.from({ length: 50 }, (_, index) =>
      client.buildFrame([{ kind: 'weight', value: 50_000 + index, unit: 'kg' }], 1_700_000_000_000 + index * 1000),
    );
    // Each publish resolves on PUBACK.
    await Promise.all(sent.map((signedFrame) => publisher.publish(signedFrame)));
    await waitFor(() => subscriber.messages.length >= sent.length);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(subscriber.messages).toHaveLength(sent.length);
    expect(subscriber.messages.every((message) => message.topic === topics.frames('cell-1'))).toBe(true);
    const received = subscriber.messages.map((message) => SignedFrameSchema.parse(JSON.parse(message.payload)));
    expect(received).toEqual(sent);
    await publisher.close();
    await subscriber.client.endAsync();
  });

  it('reconnects after the broker restarts and delivers the frame published while it was away', async () => {
    const publisher = await createMqttPublisher({ url: broker.url, clientId: 'cell-4', reconnectPeriodMs: 100 });
    const client = createDeviceClient({
      deviceId: 'cell-4',
      signer: keyPairSigner(generateKeyPair('sm2')),
      seqStore: createMemorySeqStore(),
    });
    await publisher.publish(client.buildFrame([{ kind: 'weight', value: 1 }], 0));
    const port = broker.port;
    await broker.close();
    const whileAway = client.buildFrame([{ kind: 'weight', value: 2 }], 1000);
    const pending = publisher.publish(whileAway);
    await new Promise((resolve) => setTimeout(resolve, 300));
    broker = await startTestBroker(port);
    // Resolves only on the new broker's PUBACK.
    await pending;
    expect(broker.published.map((message) => SignedFrameSchema.parse(JSON.parse(message.payload)))).toEqual([
      whileAway,
    ]);
    await publisher.close();
  });

  it('rejects publishes beyond inflightMax and after close', async () => {
    const publisher = await createMqttPublisher({ url: broker.url, clientId: 'cell-2', inflightMax: 2 });
    const client = createDeviceClient({
      deviceId: 'cell-2',
      signer: keyPairSigner(generateKeyPair('ed25519')),
      seqStore: createMemorySeqStore(),
    });
    const frames = Array.from({ length: 3 }, () => client.buildFrame([{ kind: 'weight', value: 1 }], 0));
    const results = await Promise.allSettled(frames.map((signedFrame) => publisher.publish(signedFrame)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const reason = (results[2] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(PublishError);
    expect((reason as PublishError).code).toBe('publisher_inflight_full');
    await publisher.close();
    await expect(publisher.publish(frames[0] as (typeof frames)[number])).rejects.toMatchObject({
      code: 'publisher_closed',
    });
  });

  it('fails to start with a clear error when no broker answers', async () => {
    const port = broker.port;
    await broker.close();
    await expect(
      createMqttPublisher({ url: `mqtt://127.0.0.1:${port}`, clientId: 'cell-3', connectTimeoutMs: 500 }),
    ).rejects.toBeInstanceOf(PublishError);
    broker = await startTestBroker();
  });
});
