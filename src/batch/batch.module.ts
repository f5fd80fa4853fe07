import { Global, Module } from '@nestjs/common';
import { BatchService } from './batch.service';
import { BatchWriter, PgBatchWriter } from './batch.writer';

/** Write-behind batching (needs ScheduleModule.forRoot() in the app for its interval); global so feature modules just inject BatchService. */
@Global()
@Module({
  providers: [BatchService, { provide: BatchWriter, useClass: PgBatchWriter }],
  exports: [BatchService],
})
export class BatchModule {}
