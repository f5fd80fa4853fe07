import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { logConfig, type LogConfig } from '../config/app.config';
import { configuredSecrets, scrubSecrets } from './secrets';

/** Structured JSON logs (pino); every line passes a scrubber that removes configured secrets. */
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
            redact: {
              paths: ['req.headers.authorization', 'req.headers["x-telegram-bot-api-secret-token"]'],
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
