import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import {
  batchConfig,
  databaseConfig,
  type BatchConfig,
  type DatabaseConfig,
} from '../config/app.config';
import { DataDirLock } from './data-dir.lock';

/**
 * One instance per DATA_DIR: the lock is acquired at boot, before anything in DATA_DIR is opened
 * (the journals and PGlite inject it), and released at shutdown. Null when nothing lives there
 * (PostgreSQL and BATCH_JOURNAL=false).
 */
@Global()
@Module({
  providers: [
    {
      provide: DataDirLock,
      inject: [databaseConfig.KEY, batchConfig.KEY],
      useFactory: (database: DatabaseConfig, batch: BatchConfig) =>
        database.url && !batch.journalDir ? null : DataDirLock.acquire(database.dataDir),
    },
  ],
  exports: [DataDirLock],
})
export class DataDirModule implements OnApplicationShutdown {
  constructor(@Inject(DataDirLock) private readonly lock: DataDirLock | null) {}

  /**
   * Global modules' shutdown hooks run in import order, so AppModule imports this module last:
   * the journals (BatchService) and PGlite (TypeORM) are closed before the lock goes.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.lock?.release();
  }
}
