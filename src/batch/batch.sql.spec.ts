import { flushStatement, statementOrder } from './batch.sql';
import type { AnyBatchTable } from './batch.table';

const table = (name: string, reads: AnyBatchTable[] = [], columns = 1): AnyBatchTable => ({
  name,
  reads,
  sanitize: (row: unknown) => row,
  sql: (p) =>
    `INSERT INTO ${name} SELECT * FROM unnest(${Array.from({ length: columns }, (_, i) => p(i + 1)).join(', ')}) RETURNING 1`,
  params: (rows) => Array.from({ length: columns }, () => rows),
  encode: () => [],
  decode: () => ({}),
  describe: () => '',
});

describe('flush statement', () => {
  it('puts a table after those it reads, and refuses cycles, duplicates and odd names', () => {
    const a = table('a');
    const b = table('b', [a]);
    expect(statementOrder([b, a]).map((t) => t.name)).toEqual(['a', 'b']);
    const c: AnyBatchTable = {
      ...table('c'),
      get reads() {
        return [d];
      },
    };
    const d = table('d', [c]);
    expect(() => statementOrder([c, d])).toThrow('read each other');
    expect(() => statementOrder([a, table('a')])).toThrow('twice');
    expect(() => statementOrder([table('x; DROP')])).toThrow('identifier');
    expect(() => statementOrder([b])).toThrow('not registered');
  });

  it('numbers each table’s parameters after the previous table’s, in one constant text', () => {
    const a = table('a', [], 2);
    const b = table('b', [a], 1);
    const statement = flushStatement([a, b]);
    expect(statement.text).toContain('a_written AS (\nINSERT INTO a SELECT * FROM unnest($1, $2)');
    expect(statement.text).toContain('b_written AS (\nINSERT INTO b SELECT * FROM unnest($3)');
    expect(statement.params([[1], [2, 3]])).toEqual([[1], [1], [2, 3]]);
    expect(flushStatement([a, b]).name).toBe(statement.name);
  });
});
