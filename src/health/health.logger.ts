import { Logger, type LoggerService } from '@nestjs/common';

/**
 * Terminus's failure report through the app's logger: with `errorLogStyle: 'json'` it is one line,
 * where Terminus's default logger prints a multi-line, coloured box outside the JSON log.
 */
export class HealthLogger implements LoggerService {
  private readonly logger = new Logger('Health');

  log(message: unknown): void {
    this.logger.log(message);
  }

  error(message: unknown): void {
    this.logger.warn(message);
  }

  warn(message: unknown): void {
    this.logger.warn(message);
  }
}
