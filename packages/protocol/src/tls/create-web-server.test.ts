import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebServer, keepAliveTimeoutMs } from './create-web-server.ts';

describe('createWebServer', () => {
  const servers: ReturnType<typeof createWebServer>[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
  });

  it('keeps idle connections for 72 s, not Node 5 s, and tells clients so', async () => {
    const server = createWebServer(undefined, (_request, response) => {
      response.end('ok');
    });
    servers.push(server);
    expect(server.keepAliveTimeout).toBe(keepAliveTimeoutMs);
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(await response.text()).toBe('ok');
    // Clients pace their pooled sockets by this hint (undici closes them a little before it).
    expect(response.headers.get('keep-alive')).toBe('timeout=72');
    server.closeAllConnections();
  });
});
