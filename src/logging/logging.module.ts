import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { logConfig, type LogConfig } from '../config/app.config';
import { loggerParams } from './logger-params';

/**
 * Structured JSON logs (pino) at LOG_LEVEL, scrubbed of configured secrets (see loggerParams).
 * Bot log lines carry their ids as fields: `logger.warn({ updateId, chatId }, 'message')`.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [logConfig.KEY],
      useFactory: (config: LogConfig) => loggerParams(config.level),
    }),
  ],
})
export class LoggingModule {}
