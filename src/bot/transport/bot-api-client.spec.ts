import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TelegramError } from 'telegraf';
import { BotApiClient, needsMultipart } from './bot-api-client';

const TOKEN = '123456:SECRET-token';

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('BotApiClient', () => {
  let server: Server;
  let client: BotApiClient;
  const seen: { url: string; body: unknown }[] = [];
  /** How the fake answers the next call: status and raw body. */
  let answer: { status: number; body: string };
  /** Leaves the next request unanswered (a hung Telegram). */
  let holdNext = false;
  const held: { destroy(): void }[] = [];
  let connections = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        seen.push({ url: req.url!, body: JSON.parse(raw) });
        if (holdNext) {
          holdNext = false;
          return held.push(res.socket!);
        }
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new BotApiClient(`http://127.0.0.1:${port}/`, TOKEN, 4);
  });
  afterAll(async () => {
    held.forEach((socket) => socket.destroy());
    await client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => (seen.length = 0));

  it('posts the payload as JSON without null fields and resolves with the result', async () => {
    answer = { status: 200, body: '{"ok":true,"result":{"message_id":7}}' };

    const result = await client.call('sendMessage', { chat_id: 1, text: 'hi', reply_markup: null });

    expect(result).toEqual({ message_id: 7 });
    expect(seen).toEqual([{ url: `/bot${TOKEN}/sendMessage`, body: { chat_id: 1, text: 'hi' } }]);
  });

  it('rejects an API error with TelegramError carrying code and parameters', async () => {
    answer = {
      status: 429,
      body: '{"ok":false,"error_code":429,"description":"Too Many Requests","parameters":{"retry_after":3}}',
    };

    const error = await client.call('sendMessage', { chat_id: 1, text: 'x' }).catch((e) => e);

    expect(error).toBeInstanceOf(TelegramError);
    expect(error).toMatchObject({ code: 429, parameters: { retry_after: 3 } });
    expect(error.on).toEqual({ method: 'sendMessage', payload: { chat_id: 1, text: 'x' } });
  });

  it('rejects a 5xx answer with TelegramError even when the body is not JSON', async () => {
    answer = { status: 502, body: '<html>bad gateway</html>' };

    const error = await client.call('getMe', {}).catch((e) => e);

    expect(error).toBeInstanceOf(TelegramError);
    expect(error).toMatchObject({ code: 502, description: 'Bad Gateway' });
  });

  it('rejects a network error with its code and without the token', async () => {
    const closed = new BotApiClient('http://127.0.0.1:9/', TOKEN, 1);

    const error = await closed.call('getMe', {}).catch((e) => e);
    await closed.destroy();

    expect(error.code).toBe('ECONNREFUSED');
    expect(String(error.message)).not.toContain('SECRET');
  });

  it('stops waiting when the signal aborts', async () => {
    answer = { status: 200, body: '{"ok":true,"result":true}' };
    const controller = new AbortController();
    controller.abort();

    await expect(client.call('getMe', {}, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('gives up on a call in flight when its signal aborts', async () => {
    answer = { status: 200, body: '{"ok":true,"result":true}' };
    holdNext = true;
    const controller = new AbortController();
    const call = client.call('getUpdates', { timeout: 30 }, { signal: controller.signal });
    await until(() => held.length > 0);
    controller.abort();

    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('fails a call whose answer does not come within timeoutMs', async () => {
    holdNext = true;

    const error = await client
      .call('sendMessage', { chat_id: 1 }, { timeoutMs: 200 })
      .catch((e) => e);

    expect(error.code).toBe('ESOCKETTIMEDOUT');
  });

  it('keeps its connections open between calls and opens no more than it was given', async () => {
    held.splice(0).forEach((socket) => socket.destroy());
    answer = { status: 200, body: '{"ok":true,"result":true}' };
    const start = connections;
    await Promise.all([1, 2, 3, 4, 5, 6].map(() => client.call('getMe', {})));
    const before = connections;

    await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(() => client.call('getMe', {})));
    await client.call('getMe', {});

    expect(connections).toBe(before);
    expect(before - start).toBeLessThanOrEqual(4);
  });
});

describe('needsMultipart', () => {
  it.each([
    [
      { chat_id: 1, text: 'hi', reply_markup: { inline_keyboard: [[{ text: 'a', url: 'u' }]] } },
      false,
    ],
    [{ chat_id: 1, link_preview_options: { url: 'https://x' } }, false],
    [{ chat_id: 1, photo: 'AgAC-file-id' }, false],
    [{ chat_id: 1, photo: { source: Buffer.from('png') } }, true],
    [{ chat_id: 1, document: { url: 'https://x/file.pdf', filename: 'f.pdf' } }, true],
    [{ chat_id: 1, media: { type: 'photo', media: { source: 'a.png' } } }, true],
    [{ chat_id: 1, media: [{ type: 'photo', media: 'file-id' }] }, false],
    [{ chat_id: 1, media: [{ type: 'photo', media: { source: 'a.png' } }] }, true],
  ])('%j → %s', (payload, expected) => {
    expect(needsMultipart(payload)).toBe(expected);
  });
});
