import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { httpConfig, type HttpConfig } from '../config/app.config';

interface HttpRequest {
  headers: { authorization?: string };
}
interface HttpResponse {
  setHeader(name: string, value: string): void;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Requires `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set. Bound per controller:
 * a global guard would also run for nestjs-telegraf update contexts.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(httpConfig.KEY) config: HttpConfig) {
    this.expected = config.metricsToken ? digest(config.metricsToken) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected || context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const header = http.getRequest<HttpRequest>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    // Equal-length digests make the comparison constant-time whatever the caller sent.
    if (match && timingSafeEqual(digest(match[1]), this.expected)) return true;
    http.getResponse<HttpResponse>().setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
    throw new UnauthorizedException('Missing or wrong bearer token (METRICS_TOKEN)');
  }
}
