import { Global, Module } from '@nestjs/common';
import { batchConfig, type BatchConfig } from '../config/app.config';
import { DataDirLock } from '../data-dir/data-dir.lock';
import { BatchJournal } from './batch.journal';
import { BatchService } from './batch.service';
import { BatchWriter, PgBatchWriter } from './batch.writer';

/** Write-behind batching; global so feature modules just inject BatchService. */
@Global()
@Module({
  providers: [
    BatchService,
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
export class BatchModule {}
