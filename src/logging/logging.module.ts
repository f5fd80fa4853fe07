import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { logConfig, type LogConfig } from '../config/app.config';
import { configuredSecrets, scrubSecrets } from './secrets';
import { updateLogMixin } from './update-log-context';

/**
 * Structured JSON logs (pino) at LOG_LEVEL; every line passes a scrubber that removes configured
 * secrets. In bot code, log objects to get searchable fields:
 * `logger.warn({ updateId, chatId, err }, 'handler failed')` with `PinoLogger`, or wrap the handling
 * of an update in `runWithUpdateLogContext(update, fn)` and every line inside carries its ids.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [logConfig.KEY],
      useFactory: (config: LogConfig) => {
        const secrets = configuredSecrets();
        return {
          pinoHttp: {
            level: config.level,
            autoLogging: false,
            // Lines written while an update is handled carry its updateId/chatId/userId.
            mixin: updateLogMixin,
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'req.headers["x-telegram-bot-api-secret-token"]',
              ],
              censor: '***',
            },
            // Last line of defence: a secret that slipped into any field is cut from the serialized line.
            hooks: { streamWrite: (line: string) => scrubSecrets(line, secrets) },
          },
        };
      },
    }),
  ],
})
export class LoggingModule {}
