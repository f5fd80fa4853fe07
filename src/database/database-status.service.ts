import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { withTimeout } from '../common/timeout';
import { databaseConfig, type DatabaseConfig } from '../config/app.config';
import { DatabaseMetrics } from './database.metrics';
import { InjectMetricsRegistry } from '../metrics/metrics.registry';
import { poolStrategy } from './data-source.options';
import { DatabaseHealthIndicator } from './database.health';
import { describeDbError } from './db-errors';
import { StatementRunner } from './statement-runner';

const QUERY_TIMEOUT_MS = 2000;
const TABLES = ['users', 'messages', 'dead_letters'];
const NOT_APPLICABLE = 'not applicable (embedded)';

const SERVER_SQL = `SELECT current_setting('server_version') AS version, current_database() AS database`;
// Includes the connection running this query; other replicas with the same application_name count too.
const CONNECTIONS_SQL = `SELECT coalesce(state, 'unknown') AS state, count(*)::int AS count
  FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database() GROUP BY 1`;
// reltuples is -1 until the first ANALYZE (PG 14+); the statistics collector's estimate fills in.
const TABLES_SQL = `SELECT c.relname AS name,
    CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE coalesce(s.n_live_tup, 0) END AS rows,
    pg_total_relation_size(c.oid) AS bytes
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
  WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY($1)`;

/** Snapshot of the database for /db-status. Every query has a timeout; a down database never hangs it. */
@Injectable()
export class DatabaseStatusService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly health: DatabaseHealthIndicator,
    @Inject(databaseConfig.KEY) private readonly config: DatabaseConfig,
    @InjectMetricsRegistry() registry: Registry,
    private readonly statements: StatementRunner,
  ) {
    new DatabaseMetrics(registry, {
      latencyMs: () => this.health.ping(1000).catch(() => null),
      lastErrorAt: () => this.health.lastError?.at ?? null,
    });
  }

  async snapshot() {
    const strategy = poolStrategy(this.config);
    const embedded = strategy === 'embedded';
    const base = {
      engine: embedded ? 'pglite' : 'postgresql',
      poolStrategy: strategy,
      pool: this.poolLimits(embedded),
      // False with DB_PREPARED_STATEMENTS=false, on PGlite, or once a pooler refused one.
      preparedStatements: this.statements.prepared,
    };
    let latencyMs: number;
    try {
      latencyMs = await this.health.ping(QUERY_TIMEOUT_MS);
    } catch {
      return {
        connected: false,
        ...base,
        serverVersion: null,
        database: null,
        latencyMs: null,
        connections: embedded ? NOT_APPLICABLE : null,
        tables: null,
        ...this.errors(),
      };
    }
    try {
      const [server] = await this.query<{ version: string; database: string }>(SERVER_SQL);
      const connections = embedded ? NOT_APPLICABLE : await this.connections();
      const tables = await this.tables();
      return {
        connected: true,
        ...base,
        serverVersion: server.version,
        database: server.database,
        latencyMs,
        connections,
        tables,
        ...this.errors(),
      };
    } catch (error) {
      // Reachable a moment ago but a detail query failed or timed out: report what we know.
      this.health.lastError = { message: describeDbError(error), at: new Date() };
      return {
        connected: true,
        ...base,
        serverVersion: null,
        database: null,
        latencyMs,
        connections: null,
        tables: null,
        ...this.errors(),
      };
    }
  }

  private poolLimits(embedded: boolean) {
    if (embedded) {
      return {
        max: 1,
        idleTimeoutMs: NOT_APPLICABLE,
        queryTimeoutMs: NOT_APPLICABLE,
        connectTimeoutMs: NOT_APPLICABLE,
        keepAliveInitialDelayMs: NOT_APPLICABLE,
      };
    }
    // Mirrors buildDataSourceOptions (connect timeout and keepalive are fixed there).
    return {
      max: this.config.poolMax,
      idleTimeoutMs: this.config.idleTimeoutMs,
      queryTimeoutMs: this.config.queryTimeoutMs,
      connectTimeoutMs: 30_000,
      keepAliveInitialDelayMs: 600_000,
    };
  }

  private async connections() {
    const rows = await this.query<{ state: string; count: number }>(CONNECTIONS_SQL, [
      this.config.applicationName,
    ]);
    const byState: Record<string, number> = {};
    for (const row of rows) byState[row.state] = Number(row.count);
    return {
      applicationName: this.config.applicationName,
      total: Object.values(byState).reduce((a, b) => a + b, 0),
      byState,
    };
  }

  private async tables() {
    const rows = await this.query<{ name: string; rows: string; bytes: string }>(TABLES_SQL, [
      TABLES,
    ]);
    const out: Record<string, { estimatedRows: number; totalBytes: number }> = {};
    for (const row of rows) {
      out[row.name] = { estimatedRows: Number(row.rows), totalBytes: Number(row.bytes) };
    }
    return out;
  }

  private errors() {
    const last = this.health.lastError;
    return {
      lastError: last?.message ?? null,
      lastErrorAt: last?.at.toISOString() ?? null,
      retries: { startupAttemptsMax: this.config.connectRetries + 1 },
      timestamp: new Date().toISOString(),
    };
  }

  private query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return withTimeout(
      this.dataSource.query<T[]>(sql, params),
      QUERY_TIMEOUT_MS,
      'db-status query',
    );
  }
}
