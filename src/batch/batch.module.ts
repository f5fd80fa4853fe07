import { type DynamicModule, Global, Inject, Module } from '@nestjs/common';
import { batchConfig, type BatchConfig } from '../config/app.config';
import { DataDirLock } from '../data-dir/data-dir.lock';
import { BatchJournal } from './batch.journal';
import { BatchService } from './batch.service';
import type { AnyBatchTable, BatchTable } from './batch.table';
import { BatchFlushTask } from './batch.task';
import { BatchWriter, PgBatchWriter } from './batch.writer';

/** The DI token of a table's BatchQueue. */
export const batchQueueToken = (table: AnyBatchTable): string => `BatchQueue:${table.name}`;

/** Injects the BatchQueue of `table` (provided by BatchModule.forFeature(table)). */
export const InjectBatchQueue = (table: AnyBatchTable) => Inject(batchQueueToken(table));

/** Holds one table's queue provider (see BatchModule.forFeature). */
@Module({})
export class BatchTableModule {}

/**
 * Write-behind batching; global, so a feature module only imports `BatchModule.forFeature(table)`.
 * Needs `ScheduleModule.forRoot()` in the application (the scheduled flush).
 */
@Global()
@Module({
  providers: [
    BatchService,
    BatchFlushTask,
    { provide: BatchWriter, useClass: PgBatchWriter },
    {
      provide: BatchJournal,
      inject: [batchConfig.KEY, DataDirLock],
      useFactory: (config: BatchConfig, lock: DataDirLock | null) =>
        config.journalDir
          ? new BatchJournal(config.journalDir, config.journalFsync, { lock })
          : null,
    },
  ],
  exports: [BatchService],
})
export class BatchModule {
  /** Registers `table` with the engine and provides its queue (`@InjectBatchQueue(table)`). */
  static forFeature<Row>(table: BatchTable<Row>): DynamicModule {
    const token = batchQueueToken(table);
    return {
      module: BatchTableModule,
      providers: [
        {
          provide: token,
          inject: [BatchService],
          useFactory: (batch: BatchService) => batch.register(table),
        },
      ],
      exports: [token],
    };
  }
}
