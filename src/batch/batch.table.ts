/**
 * What a module implements to have its rows written behind by BatchService. The engine buffers,
 * merges, journals, flushes, retries and dead-letters rows without knowing their fields; the
 * module that owns the table owns this definition (its SQL, sanitising and journal codec).
 */
export interface BatchTable<Row> {
  /** Names the rows in metrics (`buffer` label), journal records and dead letters: an SQL identifier. */
  readonly name: string;
  /**
   * Tables whose written rows this table's statement reads, through `writtenRowsOf(table)`: their
   * statements run first, in the same flush.
   */
  readonly reads?: readonly AnyBatchTable[];
  /**
   * Rows with the same key merge into one while they wait (`merge(earlier, later)`); a table
   * without `merge` writes every row as it was added.
   */
  readonly merge?: {
    key(row: Row): number | string;
    rows(earlier: Row, later: Row): Row;
  };
  /** The row PostgreSQL accepts, where content can be repaired (NUL bytes, lengths). */
  sanitize(row: Row): Row;
  /**
   * The data-modifying statement that writes one chunk, `param(n)` standing for its n-th
   * parameter (from 1), RETURNING one row per row written. Its text never depends on the rows:
   * the flush is a prepared statement, planned once per connection. A row may be written twice
   * (the journal replays rows whose flush a crash left unconfirmed), so a second write must
   * change nothing (ON CONFLICT).
   */
  sql(param: (n: number) => string): string;
  /** The chunk's parameters in `param` order (one array per column, unnested in the SQL). */
  params(rows: readonly Row[]): unknown[];
  /** The row as a JSON array (dates as epoch ms) for the journal, and back (throws on garbage). */
  encode(row: Row): unknown[];
  decode(fields: unknown[]): Row;
  /** Identifies a row in logs: ids only, never content. */
  describe(row: Row): string;
}

/** A table of any row type, where only its name and statement matter. */
export type AnyBatchTable = BatchTable<any>;

/** Where a module adds the rows of its table (see BatchModule.forFeature). */
export interface BatchQueue<Row> {
  /** Buffers one row (journaled when the journal is on); never throws on database trouble. */
  add(row: Row): void;
}

/** The name under which a table's written rows (its RETURNING) are readable by later statements. */
export function writtenRowsOf(table: AnyBatchTable): string {
  return `${table.name}_written`;
}
