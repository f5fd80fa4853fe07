import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app.config';
import type { DataDirLock } from '../data-dir/data-dir.lock';
import { MessageEntity } from '../messages/message.entity';
import { UserEntity } from '../users/user.entity';
import { DeadLetterEntity } from './dead-letter.entity';
import { InitialSchema1764432000000 } from './migrations/1764432000000-InitialSchema';
import { MessagesKeyedByChat1765000000000 } from './migrations/1765000000000-MessagesKeyedByChat';
import { UserPreferredLanguage1765100000000 } from './migrations/1765100000000-UserPreferredLanguage';
import { BotSessions1765200000000 } from './migrations/1765200000000-BotSessions';
import { UserDisplayName1765300000000 } from './migrations/1765300000000-UserDisplayName';
import { BroadcastCampaigns1765410000000 } from './migrations/1765410000000-BroadcastCampaigns';
import { CampaignAttempts1765420000000 } from './migrations/1765420000000-CampaignAttempts';
import { TypeOrmLogger } from './typeorm.logger';

export const entities = [UserEntity, MessageEntity, DeadLetterEntity];
export const migrations = [
  InitialSchema1764432000000,
  MessagesKeyedByChat1765000000000,
  UserPreferredLanguage1765100000000,
  BotSessions1765200000000,
  UserDisplayName1765300000000,
  BroadcastCampaigns1765410000000,
  CampaignAttempts1765420000000,
];

/** How the connections are managed, reported by /db-status. */
export type PoolStrategy = 'null-pool' | 'embedded';

export function poolStrategy(config: DatabaseConfig): PoolStrategy {
  return config.url ? 'null-pool' : 'embedded';
}

/**
 * PostgreSQL as a "null pool": connections open for a query or a flush and close about
 * `idleTimeoutMs` after the last one (pg's `idleTimeoutMillis: 0` would mean *never* close).
 * Without DATABASE_URL the same schema runs on PGlite, in-process, persisted under DATA_DIR, which
 * `lock` (DataDirModule) keeps to this one process (the TypeORM CLI passes none).
 */
export async function buildDataSourceOptions(
  config: DatabaseConfig,
  lock: DataDirLock | null = null,
): Promise<DataSourceOptions> {
  const common = {
    type: 'postgres' as const,
    entities,
    migrations,
    migrationsRun: false,
    synchronize: false,
    // Failures and warnings only, through our logger and without parameters (see TypeOrmLogger).
    logging: ['error' as const, 'warn' as const],
    logger: new TypeOrmLogger(),
  };
  if (!config.url) {
    lock?.assertHeld();
    const dataDir = resolve(config.dataDir, 'pglite');
    mkdirSync(dataDir, { recursive: true });
    // Loaded only when embedded: PGlite's bundle is ~2 MB of RSS a PostgreSQL deployment never uses.
    const { PGliteDriver } = await import('typeorm-pglite');
    return { ...common, driver: new PGliteDriver({ dataDir }).driver };
  }
  return {
    ...common,
    url: config.url,
    applicationName: config.applicationName,
    connectTimeoutMS: 30_000,
    poolSize: config.poolMax,
    extra: {
      min: 0,
      max: config.poolMax,
      idleTimeoutMillis: config.idleTimeoutMs,
      allowExitOnIdle: true,
      keepAlive: true,
      keepAliveInitialDelayMillis: 600_000,
      query_timeout: config.queryTimeoutMs,
    },
  };
}
