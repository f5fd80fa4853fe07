import type { FlushUnit, Pending } from './batch.buffer';

/** Rows in a unit, over every table. */
export function unitSize(unit: FlushUnit): number {
  return unit.reduce((n, rows) => n + rows.length, 0);
}

/**
 * Halves a unit the database refused, to find the bad row by bisection: the first half of its
 * rows (tables in statement order) and the rest. Each half is its own statement, so a row that
 * reads another table's written rows still sees those written in the same half only; the tables'
 * statements are written so that splitting loses nothing (see BatchTable.reads).
 */
export function splitUnit(unit: FlushUnit): [FlushUnit, FlushUnit] {
  const half = Math.ceil(unitSize(unit) / 2);
  const first: FlushUnit = [];
  const second: FlushUnit = [];
  let seen = 0;
  for (const rows of unit) {
    const cut = Math.max(0, Math.min(rows.length, half - seen));
    first.push(rows.slice(0, cut));
    second.push(rows.slice(cut));
    seen += rows.length;
  }
  return [first, second];
}

/** The one row of a unit of one row, with its table's index. */
export function onlyRow(unit: FlushUnit): { table: number; pending: Pending } {
  const table = unit.findIndex((rows) => rows.length > 0);
  return { table, pending: unit[table][0] };
}

/** A table could not turn its rows into parameters (a row it cannot encode): their content, too. */
export class UnwritableRows extends Error {
  constructor(cause: unknown) {
    super(`rows a table cannot write: ${String(cause)}`, { cause });
  }
}

/** True for errors caused by a row's content (bad value, constraint, too large), not by the database. */
export function isContentError(error: unknown): boolean {
  if (error instanceof UnwritableRows) return true;
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const driverError = e?.driverError;
  const code = e?.code ?? driverError?.code;
  // 21 cardinality, 22 data exception, 23 integrity constraint, 54 program limit (row too big).
  if (typeof code === 'string' && /^(21|22|23|54)/.test(code)) return true;
  // A driver that serialises parameters itself (PGlite) throws RangeError on e.g. an invalid Date.
  return error instanceof RangeError || driverError instanceof RangeError;
}
