import { type Agent, type ClientRequest, type IncomingMessage, STATUS_CODES } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import { TelegramError } from 'telegraf';
import type { CallOptions } from '../../outbound/outbound.service';

/**
 * Bot API calls over one keep-alive agent of node:http. Telegraf's own client (node-fetch, an
 * AbortController and a timer per call) cost more CPU per call than the rest of an update's
 * pipeline in the burst profile, and for an `http://` API root it opens a new connection per call.
 * node:http rather than undici: undici's HTTP parser is WebAssembly, and compiling it costs the
 * process more memory at its peak than this whole client's traffic (docs/performance.md#memory).
 * Same contract as Telegraf's client: resolves with `result`, rejects with TelegramError for an API
 * error or a 5xx answer, and network errors never carry the token. The deadline is the socket's
 * idle timeout while the call owns it (no timer of ours per call). Uploads (multipart) are left to
 * Telegraf: see `needsMultipart`.
 */
export class BotApiClient {
  private readonly agent: Agent;
  private readonly request: typeof http.request;
  private readonly host: string;
  private readonly port: number;
  private readonly basePath: string;

  constructor(
    apiRoot: string,
    private readonly token: string,
    connections: number,
  ) {
    const root = new URL(apiRoot);
    const secure = root.protocol === 'https:';
    const options = {
      keepAlive: true,
      maxSockets: connections,
      maxFreeSockets: connections,
      // An idle connection closes after 30 s (sooner when the server's Keep-Alive hint says so).
      timeout: 30_000,
      scheduling: 'lifo' as const,
    };
    this.agent = secure ? new https.Agent(options) : new http.Agent(options);
    this.request = secure ? https.request : http.request;
    this.host = root.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(root.port) || (secure ? 443 : 80);
    this.basePath = `${root.pathname.replace(/\/+$/, '')}/bot${token}/`;
  }

  call(
    method: string,
    payload: unknown,
    { signal, timeoutMs = 0 }: CallOptions = {},
  ): Promise<any> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise((resolve, reject) => {
      const body = toJson(payload);
      const request = this.request({
        agent: this.agent,
        host: this.host,
        port: this.port,
        method: 'POST',
        path: this.basePath + method,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs || undefined,
      });
      new PendingCall(request, method, payload, this.token, timeoutMs, signal, resolve, reject);
      request.end(body);
    });
  }

  /** Closes every connection; a call still in flight fails. */
  destroy(): Promise<void> {
    this.agent.destroy();
    return Promise.resolve();
  }
}

/** One call's answer, collected without a stream: the answers are small JSON documents. */
class PendingCall {
  private readonly chunks: Buffer[] = [];
  private settled = false;

  constructor(
    private readonly request: ClientRequest,
    private readonly method: string,
    private readonly payload: unknown,
    private readonly token: string,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (result: unknown) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    signal?.addEventListener('abort', this.onAbort);
    request.on('response', this.onResponse);
    request.on('error', this.onError);
    if (timeoutMs) request.on('timeout', this.onTimeout);
  }

  private readonly onResponse = (response: IncomingMessage): void => {
    response.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    response.on('end', () => this.onEnd(response.statusCode ?? 0));
    response.on('error', this.onError);
  };

  private onEnd(status: number): void {
    const { method, payload } = this;
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

  private readonly onError = (error: Error): void => {
    if (error.message.includes(this.token))
      error.message = error.message.split(this.token).join('[REDACTED]');
    this.fail(error);
  };

  /**
   * No byte for `timeoutMs` while the call owned its connection. Named as node's own connect
   * timeout (ETIMEDOUT, syscall connect) when the connection never opened, so the request never
   * left; otherwise ESOCKETTIMEDOUT: Telegram may have executed it.
   */
  private readonly onTimeout = (): void => {
    const connecting = this.request.socket?.connecting ?? true;
    const error = new Error(`No answer to ${this.method} within ${this.timeoutMs} ms`);
    const code = connecting
      ? { code: 'ETIMEDOUT', syscall: 'connect' }
      : { code: 'ESOCKETTIMEDOUT' };
    this.fail(Object.assign(error, code));
    this.request.destroy();
  };

  /** Rejects at once and drops the connection the call is on (or will get). */
  private readonly onAbort = (): void => {
    this.fail(this.signal!.reason);
    this.request.destroy();
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
