import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';

/** A real Aedes MQTT broker listening on a free local port, for tests. */
export interface TestBroker {
  /** `mqtt://127.0.0.1:<port>`. */
  url: string;
  /** The broker's TCP port. */
  port: number;
  /** Every message clients published to this broker, in arrival order (broker topics left out). */
  published: { topic: string; payload: string }[];
  /** Stop accepting clients, close the broker and its server. */
  close(): Promise<void>;
}

/** Start an in-process Aedes broker on port 0 (the operating system picks a free port). */
export async function startTestBroker(port = 0): Promise<TestBroker> {
  const broker = await Aedes.createBroker();
  const published: { topic: string; payload: string }[] = [];
  broker.on('publish', (packet, client) => {
    if (client !== null) published.push({ topic: packet.topic, payload: packet.payload.toString() });
  });
  const server: Server = createServer(broker.handle);
  // net.Server.close waits for every connection; a test that forgot a client must not hang the suite.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const boundPort = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${boundPort}`,
    port: boundPort,
    published,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A real mqtt.js subscriber that collects every message on `topic`. */
export async function subscribeAll(
  url: string,
  topic: string,
): Promise<{ client: MqttClient; messages: { topic: string; payload: string }[] }> {
  const client = await connectAsync(url, { clientId: `subscriber-${process.pid}-${topic.length}`, clean: true });
  const messages: { topic: string; payload: string }[] = [];
  client.on('message', (messageTopic, payload) =>
    messages.push({ topic: messageTopic, payload: payload.toString('utf8') }),
  );
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, messages };
}

/** Resolve once `condition()` holds, polling every 10 ms; reject after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
