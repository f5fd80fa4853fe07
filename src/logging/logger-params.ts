import { Logger, PinoLogger, type Params } from 'nestjs-pino';
import pino from 'pino';
import { configuredSecrets, scrubSecrets } from './secrets';

/**
 * nestjs-pino's options for the whole app: JSON lines at `level`, no request middleware, headers
 * that carry secrets redacted, and every serialized line passed through the secret scrubber.
 * No per-request or per-update context (AsyncLocalStorage): on Node 20 it puts promise hooks on
 * every promise of the process, about a fifth of the bot's CPU per update (measured).
 */
export function loggerParams(level: string): Params {
  const secrets = configuredSecrets();
  return {
    forRoutes: [],
    pinoHttp: {
      level,
      autoLogging: false,
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
}

/**
 * The app's logger before the app exists, so boot lines (a database that takes minutes to answer)
 * are the same pino JSON as every later line, written at once rather than buffered. nestjs-pino's
 * own classes, built as its module would build them.
 */
export function bootLogger(level: string): Logger {
  const params = loggerParams(level);
  return new Logger(new PinoLogger(params), params);
}

/**
 * For the last line of a process that could not boot (or stop) cleanly: synchronous, so it is
 * written before `process.exit`, and usable when the configuration itself is invalid.
 */
export function fatalLine(message: string): void {
  pino(pino.destination({ fd: 2, sync: true })).fatal(scrubSecrets(message));
}
