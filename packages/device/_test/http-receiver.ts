import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real node:http server that records each POST body and answers as `respond` says. */
export interface TestHttpReceiver {
  /** `http://127.0.0.1:<port>/v1/frames`. */
  url: string;
  /** Bodies received, in arrival order. */
  bodies: string[];
  /** Close the server. */
  close(): Promise<void>;
}

/** What the receiver answers for a body: a status and a JSON body. */
export type Respond = (body: string) => { status: number; json: unknown };

/** Start the receiver on a free local port. */
export async function startTestHttpReceiver(respond: Respond): Promise<TestHttpReceiver> {
  const bodies: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      const answer = respond(body);
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.json));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/frames`,
    bodies,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
