import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchTable } from '../src/batch/batch.table';
import { batchConfig, type BatchConfig } from '../src/config/app.config';
import { messagesTable } from '../src/messages/messages.table';
import { usersTable } from '../src/users/users.table';
import { bootBatchApp, type BatchApp } from './support/batch-app';
import { dbError, faults, FaultyWriter } from './support/batch-faults';
import { orphanAll } from './support/journal-files';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/**
 * A third buffered table, as a module would define it: rows, SQL, merging, codec. Each player's
 * best score: writing a row twice (a replay after a crash) changes nothing.
 */
interface ScoreRow {
  player: number;
  points: number;
}

const scoresTable: BatchTable<ScoreRow> = {
  name: 'scores',
  merge: {
    key: (row) => row.player,
    rows: (earlier, later) => ({
      player: earlier.player,
      points: Math.max(earlier.points, later.points),
    }),
  },
  sanitize: (row) => ({ player: row.player, points: Math.trunc(row.points) }),
  sql: (p) => `INSERT INTO scores (player, points)
  SELECT * FROM unnest(${p(1)}::bigint[], ${p(2)}::int[])
  ON CONFLICT (player) DO UPDATE SET points = GREATEST(scores.points, EXCLUDED.points)
  RETURNING 1`,
  params: (rows) => [rows.map((r) => r.player), rows.map((r) => r.points)],
  encode: (row) => [row.player, row.points],
  decode: ([player, points]) => ({ player: player as number, points: points as number }),
  describe: (row) => `player ${row.player}`,
};

describe('A third buffered table (e2e)', () => {
  let db: TestDatabase;
  const apps: BatchApp[] = [];
  const boot = async (dataDir: string) => {
    const app = await bootBatchApp(
      { ...db.env, DATA_DIR: dataDir, BATCH_SIZE: '50', BATCH_FLUSH_INTERVAL_MS: '60000' },
      { tables: [messagesTable, usersTable, scoresTable], writer: FaultyWriter },
    );
    apps.push(app);
    return app;
  };
  const scores = async (app: BatchApp) =>
    (
      await app.query<{ player: string; points: number }>(
        'SELECT player, points FROM scores ORDER BY player',
      )
    ).map((r) => [Number(r.player), r.points]);

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    for (const app of apps) faults(app).down = null;
    for (const app of apps) await app.moduleRef.close();
    await db?.drop();
  });

  it('is flushed with the other tables, journaled, and replayed by the next start', async () => {
    const first = await boot(mkdtempSync(join(tmpdir(), 'tgbot-scores-')));
    await first.query('CREATE TABLE scores (player bigint PRIMARY KEY, points int NOT NULL)');
    const scoresQueue = first.queue(scoresTable);

    scoresQueue.add({ player: 1, points: 2 });
    scoresQueue.add({ player: 1, points: 3 });
    scoresQueue.add({ player: 2, points: 1.7 });
    expect(first.batch.snapshot().pending).toEqual({ messages: 0, users: 0, scores: 2, total: 2 });
    await first.batch.flushed();
    await expect(scores(first)).resolves.toEqual([
      [1, 3],
      [2, 1],
    ]);
    expect(first.batch.snapshot().rowsWritten).toMatchObject({ scores: 2 });

    // The database goes away; rows are durable in the journal only, then the process "dies".
    faults(first).down = dbError('ECONNREFUSED');
    scoresQueue.add({ player: 2, points: 10 });
    scoresQueue.add({ player: 3, points: 4 });
    await first.batch.durable();
    const journal = first.moduleRef.get<BatchConfig>(batchConfig.KEY).journalDir!;
    orphanAll(journal, 'wal');

    const next = mkdtempSync(join(tmpdir(), 'tgbot-scores-'));
    cpSync(journal, join(next, 'journal'), { recursive: true });
    const second = await boot(next);
    await second.batch.flushed();
    await expect(scores(second)).resolves.toEqual([
      [1, 3],
      [2, 10],
      [3, 4],
    ]);
    expect(readdirSync(join(next, 'journal')).filter((n) => n.includes('999999999'))).toEqual([]);
  });
});
