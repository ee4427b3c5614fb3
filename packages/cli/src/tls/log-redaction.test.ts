import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { logRedaction } from './log-redaction.ts';

describe('logRedaction', () => {
  it('writes secret fields as [redacted] at the top level and below', () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug', redact: logRedaction }, { write: (line: string) => lines.push(line) });
    log.info({ adminToken: 'token-1', request: { headers: { authorization: 'Bearer token-2' } } }, 'call');
    log.debug({ tls: { key: 'PEM-3', certFile: '/data/tls/cloud.pem' }, device: { privateKey: 'b64-4' } }, 'start');
    const output = lines.join('\n');
    for (const secret of ['token-1', 'token-2', 'PEM-3', 'b64-4']) expect(output).not.toContain(secret);
    expect(output).toContain('/data/tls/cloud.pem');
    expect(output).toContain('[redacted]');
  });
});
