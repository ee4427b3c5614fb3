import { createServer, type Socket, connect as tcpConnect } from 'node:net';

/** A TCP relay that counts the bytes each way: what an uplink really puts on the wire. */
export interface CountingProxy {
  /** URL base of the relay, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Bytes from the client towards the target (requests, headers included). */
  readonly bytesUp: number;
  /** Bytes from the target back to the client (responses). */
  readonly bytesDown: number;
  close(): Promise<void>;
}

/** Relay 127.0.0.1:<free port> to `targetPort`, counting every byte. */
export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  let bytesUp = 0;
  let bytesDown = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const target = tcpConnect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(target);
    client.on('data', (chunk: Buffer) => {
      bytesUp += chunk.length;
    });
    target.on('data', (chunk: Buffer) => {
      bytesDown += chunk.length;
    });
    client.pipe(target);
    target.pipe(client);
    const end = () => {
      client.destroy();
      target.destroy();
      sockets.delete(client);
      sockets.delete(target);
    };
    client.on('error', end).on('close', end);
    target.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get bytesUp() {
      return bytesUp;
    },
    get bytesDown() {
      return bytesDown;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
