import { STATUS_CODES } from 'node:http';
import { TelegramError } from 'telegraf';
import { type Dispatcher, Pool } from 'undici';
import type { CallOptions } from '../../outbound/outbound.service';

/**
 * Bot API calls over one undici keep-alive pool. Telegraf's own client (node-fetch on Node's http
 * agent, an AbortController and a timer per call) cost more CPU per call than the rest of an
 * update's pipeline in the burst profile, and for an `http://` API root it opens a new connection
 * per call. Same contract as Telegraf's client: resolves with `result`, rejects with TelegramError
 * for an API error or a 5xx answer, and network errors never carry the token. Deadlines are
 * undici's own per-request timeouts (no timer of ours per call). Uploads (multipart) are left to
 * Telegraf: see `needsMultipart`.
 */
export class BotApiClient {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(
    apiRoot: string,
    private readonly token: string,
    connections: number,
  ) {
    const root = new URL(apiRoot);
    this.pool = new Pool(root.origin, {
      connections,
      keepAliveTimeout: 30_000,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.basePath = `${root.pathname.replace(/\/+$/, '')}/bot${token}/`;
  }

  call(
    method: string,
    payload: unknown,
    { signal, timeoutMs = 0 }: CallOptions = {},
  ): Promise<any> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise((resolve, reject) => {
      const call = new PendingCall(method, payload, this.token, signal, resolve, reject);
      this.pool.dispatch(
        {
          method: 'POST',
          path: this.basePath + method,
          headers: JSON_HEADERS,
          body: toJson(payload),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        call,
      );
    });
  }

  /** Closes every connection; a call still in flight fails. */
  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}

/** One call's answer, collected without a stream: the answers are small JSON documents. */
class PendingCall implements Dispatcher.DispatchHandler {
  private controller?: Dispatcher.DispatchController;
  private status = 0;
  private readonly chunks: Buffer[] = [];
  private settled = false;

  constructor(
    private readonly method: string,
    private readonly payload: unknown,
    private readonly token: string,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (result: unknown) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    signal?.addEventListener('abort', this.onAbort);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(this.signal?.reason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const { method, payload, status } = this;
    if (status >= 500) {
      const description = STATUS_CODES[status] ?? 'Server Error';
      return this.fail(new TelegramError({ error_code: status, description }, { method, payload }));
    }
    let data: { ok: boolean; result?: unknown; error_code: number; description: string };
    try {
      const { chunks } = this;
      data = JSON.parse((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8'));
    } catch (error) {
      return this.fail(error);
    }
    if (!data.ok) return this.fail(new TelegramError(data, { method, payload }));
    this.settle();
    this.resolve(data.result);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (error.message.includes(this.token))
      error.message = error.message.split(this.token).join('[REDACTED]');
    this.fail(error);
  }

  /** Rejects at once; a request not yet on a socket is dropped when it gets one. */
  private readonly onAbort = (): void => {
    this.controller?.abort(this.signal!.reason);
    this.fail(this.signal!.reason);
  };

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settle();
    this.reject(error);
  }

  private settle(): void {
    this.settled = true;
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}

/**
 * Whether Telegraf must send `payload` as multipart: a file to upload (an InputFile with `source`
 * or `url`) as a field or as the `media` of a field or of an album item. Mirrors Telegraf's own
 * check, which it does not export.
 */
export function needsMultipart(payload: unknown): boolean {
  if (!payload || typeof payload !== 'object') return false;
  for (const key in payload) {
    const value = (payload as Record<string, unknown>)[key];
    if (key === 'link_preview_options' || !value || typeof value !== 'object') continue;
    if (Array.isArray(value) ? value.some((item) => isFile(item?.media)) : isFileField(value))
      return true;
  }
  return false;
}

function isFileField(value: object): boolean {
  return isFile(value) || isFile((value as { media?: unknown }).media);
}

function isFile(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  const file = value as { source?: unknown; url?: unknown };
  return Boolean(file.source) || Boolean(file.url);
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * The request body. Telegraf leaves out null fields rather than sending them as JSON null; so do
 * we. A replacer function takes JSON.stringify off V8's fast path, so it is used only when a field
 * is null or nested (the common flat payload, such as a text reply, needs none).
 */
function toJson(payload: unknown): string {
  if (!payload) return '{}';
  for (const key in payload) {
    const value = (payload as Record<string, unknown>)[key];
    if (value === null || typeof value === 'object') return JSON.stringify(payload, withoutNulls);
  }
  return JSON.stringify(payload);
}

function withoutNulls(_key: string, value: unknown): unknown {
  return value ?? undefined;
}
