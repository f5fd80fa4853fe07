import { Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import { Registry } from 'prom-client';
import type { TelegramConfig } from '../../config/app.config';
import type { Acceptance, UpdateLedger } from '../ledger/update-ledger';
import { WebhookSecretLimiter } from './webhook-secret.limiter';
import { SECRET_HEADER, WebhookMiddleware } from './webhook.middleware';

const SECRET = 'a-webhook-secret-of-thirty-two-chars-x';

function request(body: string, headers: Record<string, string> = {}): Request {
  const req = Readable.from([Buffer.from(body)]) as unknown as Request;
  req.headers = { 'content-length': String(Buffer.byteLength(body)), ...headers };
  return req;
}

/** What the middleware answered: status, body and headers. */
function response() {
  const answer = { status: 0, body: undefined as unknown, headers: {} as Record<string, string> };
  const res = {
    status(code: number) {
      answer.status = code;
      return res;
    },
    json(body: unknown) {
      answer.body = body;
      return res;
    },
    setHeader(name: string, value: string) {
      answer.headers[name.toLowerCase()] = value;
      return res;
    },
  };
  return { res: res as unknown as Response, answer };
}

describe('WebhookMiddleware', () => {
  let acceptance: Acceptance | Error;
  let offered: unknown[];

  const middleware = () => {
    const ledger = {
      acceptWebhook: (update: unknown) => {
        offered.push(update);
        return acceptance instanceof Error
          ? Promise.reject(acceptance)
          : Promise.resolve(acceptance);
      },
    };
    return new WebhookMiddleware(
      ledger as unknown as UpdateLedger,
      new WebhookSecretLimiter({ webhookSecret: SECRET } as TelegramConfig, new Registry()),
    );
  };
  const post = async (
    body: string,
    headers: Record<string, string> = { [SECRET_HEADER]: SECRET },
  ) => {
    const { res, answer } = response();
    await middleware().use(request(body, headers), res);
    return answer;
  };

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    acceptance = { accepted: true };
    offered = [];
  });

  it('refuses a missing or wrong secret before reading the update', async () => {
    await expect(post('{"update_id":1}', {})).resolves.toMatchObject({ status: 401 });
    await expect(post('{"update_id":1}', { [SECRET_HEADER]: 'wrong' })).resolves.toMatchObject({
      status: 403,
    });
    expect(offered).toEqual([]);
  });

  it('answers 413 to a body over the limit and 400 to what is not an update', async () => {
    await expect(
      post(JSON.stringify({ update_id: 1, x: 'y'.repeat(300_000) })),
    ).resolves.toMatchObject({ status: 413 });
    await expect(post('{"update_id": 1,')).resolves.toMatchObject({ status: 400 });
    await expect(post('{"update_id": -5}')).resolves.toMatchObject({ status: 400 });
    await expect(post('null')).resolves.toMatchObject({ status: 400 });
    expect(offered).toEqual([]);
  });

  it('answers 200 once the ledger accepts the update', async () => {
    await expect(post('{"update_id": 7}')).resolves.toMatchObject({
      status: 200,
      body: { ok: true },
    });
    expect(offered).toEqual([{ update_id: 7 }]);
  });

  it('passes the ledger’s refusal on with Retry-After, so Telegram sends the update again', async () => {
    acceptance = { accepted: false, status: 429, retryAfterSec: 1, reason: 'busy' };
    await expect(post('{"update_id": 7}')).resolves.toMatchObject({
      status: 429,
      headers: { 'retry-after': '1' },
    });
    acceptance = new Error('database gone');
    const answer = await post('{"update_id": 8}');
    expect(answer).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
    expect(JSON.stringify(answer.body)).not.toContain('database gone');
  });
});
