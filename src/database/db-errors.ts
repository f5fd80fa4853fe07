import { errorMessage } from '../common/error-message';

/** Classifies PostgreSQL / driver errors so callers can decide between retrying and failing fast. */

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

// 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 53300 too many connections,
// 40001/40P01 serialization failure/deadlock (safe to re-run a whole transaction).
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);

// 28P01 bad password, 28000 auth rejected, 3D000 database missing: retrying cannot help.
const FATAL_CONNECT_SQLSTATES = new Set(['28P01', '28000', '3D000']);

function codeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isTransientDbError(error: unknown): boolean {
  const code = codeOf(error);
  if (
    code &&
    (TRANSIENT_NODE_CODES.has(code) || TRANSIENT_SQLSTATES.has(code) || code.startsWith('08'))
  ) {
    return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connect ECONNREFUSED|Client has encountered a connection error/i.test(
    errorMessage(error),
  );
}

// 26000 "prepared statement does not exist", 42P05 "prepared statement already exists": what a
// transaction-mode pooler answers to named statements. Neither transient nor about the content.
const PREPARED_STATEMENT_SQLSTATES = new Set(['26000', '42P05']);

export function isPreparedStatementError(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && PREPARED_STATEMENT_SQLSTATES.has(code);
}

export function isFatalConnectError(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && FATAL_CONNECT_SQLSTATES.has(code);
}

/** A one-line description of a database error that never includes connection strings or passwords. */
export function describeDbError(error: unknown): string {
  const code = codeOf(error);
  const text = errorMessage(error).replace(/postgres(ql)?:\/\/[^\s]+/gi, 'postgres://***');
  return code ? `${text} (${code})` : text;
}
