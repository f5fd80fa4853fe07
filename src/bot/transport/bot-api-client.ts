import { STATUS_CODES } from 'node:http';
import { TelegramError } from 'telegraf';
import { Pool } from 'undici';

/** Telegraf's `callApi` signature, which every Telegram method goes through. */
export type CallApi = (
  method: string,
  payload: any,
  options?: { signal?: AbortSignal },
) => Promise<any>;

/**
 * Bot API calls over one undici keep-alive pool. Telegraf's own client (node-fetch on Node's http
 * agent) cost more CPU per call than the rest of an update's pipeline in the burst profile, and for
 * an `http://` API root it opens a new connection per call. Same contract as Telegraf's client:
 * resolves with `result`, rejects with TelegramError for an API error or a 5xx answer, and network
 * errors never carry the token. Uploads (multipart) are left to Telegraf: see `needsMultipart`.
 */
export class BotApiClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly token: string;

  constructor(apiRoot: string, token: string, connections: number) {
    const root = new URL(apiRoot);
    this.pool = new Pool(root.origin, {
      connections,
      keepAliveTimeout: 30_000,
      // Each call has its own deadline (API_TIMEOUT_MS, or the long poll's); these only back it up.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.basePath = `${root.pathname.replace(/\/+$/, '')}/bot${token}/`;
    this.token = token;
  }

  async call(method: string, payload: unknown, signal?: AbortSignal): Promise<any> {
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await this.pool.request({
        method: 'POST',
        path: this.basePath + method,
        headers: JSON_HEADERS,
        body: JSON.stringify(payload ?? {}, withoutNulls),
        signal,
      });
    } catch (error) {
      throw this.redacted(error);
    }
    const { statusCode, body } = response;
    if (statusCode >= 500) {
      await body.dump();
      throw new TelegramError(
        { error_code: statusCode, description: STATUS_CODES[statusCode] ?? 'Server Error' },
        { method, payload },
      );
    }
    const data = (await body.json().catch((error: unknown) => {
      throw this.redacted(error);
    })) as { ok: boolean; result?: unknown; error_code: number; description: string };
    if (!data.ok) throw new TelegramError(data, { method, payload });
    return data.result;
  }

  /** Closes every connection; a call still in flight fails. */
  destroy(): Promise<void> {
    return this.pool.destroy();
  }

  private redacted(error: unknown): unknown {
    if (error instanceof Error && error.message.includes(this.token))
      error.message = error.message.split(this.token).join('[REDACTED]');
    return error;
  }
}

/**
 * Whether Telegraf must send `payload` as multipart: a file to upload (an InputFile with `source`
 * or `url`) as a field or as the `media` of a field or of an album item. Mirrors Telegraf's own
 * check, which it does not export.
 */
export function needsMultipart(payload: unknown): boolean {
  if (!payload || typeof payload !== 'object') return false;
  for (const [key, value] of Object.entries(payload)) {
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

/** Telegraf leaves out null fields rather than sending them as JSON null; so do we. */
function withoutNulls(_key: string, value: unknown): unknown {
  return value ?? undefined;
}
