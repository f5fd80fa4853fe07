import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseConfig, type DatabaseConfig } from '../config/app.config';
import { DataDirLock } from '../data-dir/data-dir.lock';
import { createDataSource } from './data-source.factory';
import { buildDataSourceOptions } from './data-source.options';
import { DatabaseStatusService } from './database-status.service';
import { DatabaseHealthIndicator } from './database.health';
import { StatementRunner } from './statement-runner';

/** The one DataSource of the app (null-pool PostgreSQL or embedded PGlite) and its health. */
@Global()
@Module({
  imports: [
    TerminusModule,
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY, DataDirLock],
      useFactory: async (config: DatabaseConfig, lock: DataDirLock | null) => ({
        ...(await buildDataSourceOptions(config, lock)),
        // Our factory retries with backoff; Nest's own retry loop (fixed delay) is switched off.
        retryAttempts: 0,
      }),
      dataSourceFactory: (options) => createDataSource(options!, databaseConfig()),
    }),
  ],
  providers: [DatabaseHealthIndicator, DatabaseStatusService, StatementRunner],
  exports: [DatabaseHealthIndicator, DatabaseStatusService, StatementRunner],
})
export class DatabaseModule {}
