import { createHash } from 'node:crypto';
import { type AnyBatchTable, writtenRowsOf } from './batch.table';

/** A parameterised statement. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** The statement of one flush: every table's chunk, in one round trip. */
export interface FlushStatement {
  /** Its prepared-statement name (the text's hash, so another text never reuses it). */
  name: string;
  text: string;
  /** The parameters for one chunk per table, in the tables' order. */
  params(chunks: readonly (readonly unknown[])[]): unknown[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Puts the tables' statements in dependency order: a table comes after the tables it reads.
 * Throws on a name that is no plain identifier, a duplicate, a cycle or a table read but not
 * registered.
 */
export function statementOrder(tables: readonly AnyBatchTable[]): AnyBatchTable[] {
  const names = new Set<string>();
  for (const table of tables) {
    if (!IDENTIFIER.test(table.name))
      throw new Error(`batch table name "${table.name}" is no identifier`);
    if (names.has(table.name)) throw new Error(`batch table "${table.name}" registered twice`);
    names.add(table.name);
  }
  const ordered: AnyBatchTable[] = [];
  const visiting = new Set<AnyBatchTable>();
  const visit = (table: AnyBatchTable): void => {
    if (ordered.includes(table)) return;
    if (!tables.includes(table))
      throw new Error(`batch table "${table.name}" is read but not registered`);
    if (visiting.has(table)) throw new Error(`batch tables read each other: "${table.name}"`);
    visiting.add(table);
    for (const read of table.reads ?? []) visit(read);
    visiting.delete(table);
    ordered.push(table);
  };
  for (const table of tables) visit(table);
  return ordered;
}

/**
 * One flush as one statement: each table's data-modifying statement is a CTE named
 * writtenRowsOf(table), so a table can read what an earlier one wrote (and a replayed row that
 * one skipped is invisible to the next). One statement is one round trip and its own
 * transaction: all tables commit together or not at all. The result row holds, per table, the
 * rows its statement returned (`w0`, `w1`, … in `tables` order).
 *
 * The text is the same for every flush (an empty chunk is a table of empty arrays), so it is a
 * prepared statement that PostgreSQL parses and plans once per connection.
 */
export function flushStatement(tables: readonly AnyBatchTable[]): FlushStatement {
  const counts: number[] = [];
  let offset = 0;
  const ctes = tables.map((table) => {
    let used = 0;
    const sql = table.sql((n) => {
      used = Math.max(used, n);
      return `$${offset + n}`;
    });
    counts.push(used);
    offset += used;
    return `${writtenRowsOf(table)} AS (\n${sql}\n)`;
  });
  const results = tables.map(
    (table, i) => `(SELECT count(*) FROM ${writtenRowsOf(table)})::int AS w${i}`,
  );
  const text = `WITH ${ctes.join(',\n')}\nSELECT ${results.join(', ')}`;
  return {
    name: `tgbot_flush_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`,
    text,
    params: (chunks) =>
      chunks.flatMap((rows, i) => {
        const params = tables[i].params(rows);
        if (params.length !== counts[i])
          throw new Error(
            `batch table "${tables[i].name}" gave ${params.length} parameters, not ${counts[i]}`,
          );
        return params;
      }),
  };
}

/** Stores a row the database refused for its content, with the reason. */
export function insertDeadLetterSql(kind: string, payloadJson: string, reason: string): Statement {
  return {
    sql: `INSERT INTO dead_letters (kind, payload, reason) VALUES ($1, $2::jsonb, $3)`,
    params: [kind, payloadJson, reason],
  };
}
