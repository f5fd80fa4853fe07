/** One buffered row as the journal keeps it: its table's name and the table's encoding of it. */
export interface JournalRecord {
  table: string;
  fields: unknown[];
}

/**
 * One journal line per record: `[table, fields]`, a JSON array of numbers and strings (the
 * tables encode dates as epoch ms), which takes V8's fast path in JSON.stringify.
 */
export function encodeRecord(record: JournalRecord): string {
  return JSON.stringify([record.table, record.fields]);
}

/** The record of one line; throws on a torn or foreign line. */
export function decodeRecord(line: string): JournalRecord {
  const data: unknown = JSON.parse(line);
  if (!Array.isArray(data) || typeof data[0] !== 'string' || !Array.isArray(data[1]))
    throw new Error('unknown journal record');
  return { table: data[0], fields: data[1] as unknown[] };
}
