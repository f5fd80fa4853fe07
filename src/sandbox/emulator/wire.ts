import type { IncomingMessage, ServerResponse } from 'node:http';

/** A Bot API error answer: `{ ok: false, error_code, description, parameters? }`. */
export class BotApiError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
    this.name = 'BotApiError';
  }

  static badRequest(reason: string): BotApiError {
    return new BotApiError(400, `Bad Request: ${reason}`);
  }

  get body() {
    return {
      ok: false,
      error_code: this.status,
      description: this.description,
      ...(this.retryAfter !== undefined ? { parameters: { retry_after: this.retryAfter } } : {}),
    };
  }
}

/** Request bodies above this are refused (the Bot API's text limits keep real calls far below). */
const MAX_BODY_BYTES = 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so that the 413 answer reaches the client.
      if (size > MAX_BODY_BYTES) return reject(new BotApiError(413, 'Request Entity Too Large'));
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Parses a Bot API call's parameters like Telegram: a JSON body, or a query string / form body in
 * which each value may itself be JSON (arrays and objects such as `reply_markup`).
 */
export function parsePayload(body: string, contentType = '', query = ''): Record<string, any> {
  const out: Record<string, any> = {};
  const addForm = (encoded: string) => {
    for (const [key, value] of new URLSearchParams(encoded)) {
      try {
        out[key] = JSON.parse(value);
      } catch {
        out[key] = value;
      }
    }
  };
  if (query) addForm(query);
  if (!body) return out;
  if (contentType.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw BotApiError.badRequest("can't parse JSON body");
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw BotApiError.badRequest('the JSON body must be an object');
    return Object.assign(out, parsed);
  }
  if (contentType.includes('multipart/form-data'))
    throw BotApiError.badRequest('the emulator does not accept file uploads (multipart/form-data)');
  addForm(body);
  return out;
}

/** Values that may arrive as JSON strings (form bodies) or as objects (JSON bodies). */
export function jsonParam<T>(value: unknown): T | undefined {
  if (typeof value !== 'string') return value as T | undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}
