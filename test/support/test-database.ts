import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** A database for one spec file: a fresh PostgreSQL database, or a fresh PGlite directory. */
export interface TestDatabase {
  /** Environment to boot the app with (DATABASE_URL or DATA_DIR). */
  env: Record<string, string>;
  /** Connection string of the throwaway server database; undefined on PGlite. */
  url?: string;
  drop(): Promise<void>;
}

/**
 * With TEST_DATABASE_URL (CI): creates `e2e_<random>` on that server so spec files never share rows.
 * Without it: the embedded PGlite in a temporary DATA_DIR, so `npm test` needs no server.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.TEST_DATABASE_URL;
  // Always a private DATA_DIR: the write-ahead journal lives there and must not leak between specs.
  const dir = mkdtempSync(join(tmpdir(), 'tgbot-e2e-'));
  const removeDir = async () => rmSync(dir, { recursive: true, force: true });
  if (!base) return { env: { DATA_DIR: dir }, drop: removeDir };
  const name = `e2e_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(base, `CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), DATA_DIR: dir },
    url: url.toString(),
    drop: async () => {
      await adminQuery(base, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await removeDir();
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs one query on its own short-lived connection (outside the app), for assertions. */
export async function queryDatabase<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The same database with a DATA_DIR of its own, for another replica (one instance per DATA_DIR). */
export function replicaOf(db: TestDatabase): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'tgbot-replica-'));
  return {
    ...db,
    env: { ...db.env, DATA_DIR: dir },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
