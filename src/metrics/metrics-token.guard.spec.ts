import { UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { MetricsTokenGuard } from './metrics-token.guard';

const TOKEN = 'metrics-token-0123456789abcdef';

function context(authorization?: string, type = 'http') {
  const headers: Record<string, string> = {};
  const request = { headers: authorization === undefined ? {} : { authorization } };
  const response = { setHeader: (name: string, value: string) => (headers[name] = value) };
  const ctx = {
    getType: () => type,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ExecutionContext;
  return { ctx, headers };
}

const guard = (metricsToken?: string) =>
  new MetricsTokenGuard({ host: '0.0.0.0', port: 5000, opsPort: undefined, metricsToken });

describe('MetricsTokenGuard', () => {
  it('lets every request through when METRICS_TOKEN is not set', () => {
    expect(guard().canActivate(context().ctx)).toBe(true);
  });

  it('accepts the right bearer token, whatever the case of the scheme', () => {
    expect(guard(TOKEN).canActivate(context(`Bearer ${TOKEN}`).ctx)).toBe(true);
    expect(guard(TOKEN).canActivate(context(`bearer ${TOKEN}`).ctx)).toBe(true);
  });

  it.each([undefined, '', `Bearer ${TOKEN}x`, 'Bearer x', `Basic ${TOKEN}`, TOKEN])(
    'refuses %p with 401 and a WWW-Authenticate challenge',
    (header) => {
      const { ctx, headers } = context(header);
      expect(() => guard(TOKEN).canActivate(ctx)).toThrow(UnauthorizedException);
      expect(headers['WWW-Authenticate']).toBe('Bearer realm="metrics"');
    },
  );

  it('does not apply to bot update contexts', () => {
    expect(guard(TOKEN).canActivate(context(undefined, 'telegraf').ctx)).toBe(true);
  });
});
