import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { apiPathPattern, serveConsole } from './serve-console.ts';

/** A Fastify app like the cloud's: one API route, the console, and the JSON 404. */
async function appWithConsole(consoleDir: string | undefined, lines: string[]): Promise<FastifyInstance> {
  const log = pino(
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  const app = Fastify();
  app.get('/v1/status', async () => ({ ok: true }));
  const site = await serveConsole(app, { consoleDir, log });
  app.setNotFoundHandler(async (request, reply) => {
    if (await site.fallback(request, reply)) return reply;
    return reply.code(404).send({ error: { code: 'not_found', message: 'no route' } });
  });
  return app;
}

describe('serveConsole', () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  it('serves the build, index.html for console paths, and leaves API paths to their handlers', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'fieldproof-console-site-'));
    folders.push(folder);
    mkdirSync(join(folder, 'assets'));
    writeFileSync(join(folder, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(folder, 'assets', 'app.js'), 'export {};');
    const app = await appWithConsole(folder, []);
    expect((await app.inject({ url: '/' })).body).toContain('id="root"');
    expect((await app.inject({ url: '/assets/app.js' })).body).toBe('export {};');
    const deepLink = await app.inject({ url: '/ledger?x=1' });
    expect(deepLink.statusCode).toBe(200);
    expect(deepLink.body).toContain('id="root"');
    expect((await app.inject({ url: '/v1/status' })).json()).toEqual({ ok: true });
    for (const url of ['/v1/unknown', '/tile/0/x', '/checkpoint', '/metrics', '/healthz']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    expect((await app.inject({ method: 'POST', url: '/ledger' })).statusCode).toBe(404);
    await app.close();
  });

  it('warns with the build command when the folder has no build, and serves no console', async () => {
    const lines: string[] = [];
    const app = await appWithConsole(join(tmpdir(), 'fieldproof-no-such-console'), lines);
    expect(lines.join('')).toContain('npm run build:console');
    expect((await app.inject({ url: '/' })).statusCode).toBe(404);
    await app.close();
  });

  it('knows the API paths', () => {
    for (const path of ['/v1/status', '/tile/0/000', '/checkpoint', '/metrics', '/healthz']) {
      expect(apiPathPattern.test(path), path).toBe(true);
    }
    for (const path of ['/', '/ledger', '/frames/abc', '/v10', '/metricsx']) {
      expect(apiPathPattern.test(path), path).toBe(false);
    }
  });
});
