import type { LoggerOptions } from 'pino';

/** Field names that hold a secret wherever they appear in a logged object (one or two levels down). */
const secretFields = ['authorization', 'adminToken', 'privateKey', 'password', 'keyFile', 'key', 'cert', 'ca'];

/**
 * Pino redaction for every logger the CLI makes: a second line of defence behind the rule that
 * no code logs a key, a token or a PEM. A field of these names is written as "[redacted]".
 */
export const logRedaction: LoggerOptions['redact'] = {
  paths: secretFields.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
  censor: '[redacted]',
};
