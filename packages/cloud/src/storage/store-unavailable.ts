import { FieldproofError } from '@fieldproof/protocol';

/** Socket errors and PostgreSQL SQLSTATEs that mean the store cannot be reached, not that a query is wrong. */
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '53300', // too_many_connections
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_FULL',
]);

/**
 * The operating error `store_unavailable` when `error` says the store is down (a refused or lost
 * connection, a busy or unreadable file); undefined for any other error, which stays what it was.
 */
export function storeUnavailableError(error: unknown): FieldproofError | undefined {
  if (error instanceof FieldproofError || !(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const lost = /Connection terminated|timeout exceeded when trying to connect/i.test(error.message);
  if ((typeof code === 'string' && unreachableCodes.has(code)) || lost) {
    return new FieldproofError('store_unavailable', `the cloud store cannot be reached: ${error.message}`);
  }
  return undefined;
}
