import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReplyTracker } from './reply-tracker';
import type { UpdateStream } from './update-stream';

interface PendingPoll {
  res: ServerResponse;
  offset: number;
  limit: number;
  timer: NodeJS.Timeout;
}

/** Telegram-like flood limits; off unless the bench runs with --flood. */
export interface FloodLimits {
  globalPerSecond: number;
  chatPerSecond: number;
}

const BOT_INFO =
  '{"id":999,"is_bot":true,"first_name":"Bench Bot","username":"bench_bot","can_join_groups":true,' +
  '"can_read_all_group_messages":false,"supports_inline_queries":false}';
const REPLY_METHODS = new Set(['sendMessage', 'editMessageText']);

/**
 * A Bot API double for load, in the spirit of test/fake-bot-api but built to stay light under
 * tens of thousands of calls: updates come from an UpdateStream (typed arrays, rendered on
 * demand), calls are counted per method instead of recorded, and replies go straight to a
 * ReplyTracker for latency. Long polling follows the Bot API: offset confirms, limit caps, timeout
 * holds the request open, a newer getUpdates ends a waiting one with 409. Flood limits (429 with
 * retry_after) apply only when `flood` is set; latency, 5xx and network faults are not modelled.
 */
export class LoadBotApi {
  readonly calls = new Map<string, number>();
  /** performance.now() of every getUpdates call (a few per second at most). */
  readonly pollTimes: number[] = [];
  /** Resolves on the first getUpdates: the bot is up and polling. */
  readonly firstPoll: Promise<void>;
  floodRejected = 0;
  /** With BENCH_TRACE_POLLS=1: every poll's arrival, offset and answer, printed to stderr. */
  private readonly trace = process.env.BENCH_TRACE_POLLS === '1';
  private resolveFirstPoll!: () => void;
  private server: Server | undefined;
  private pendingPoll: PendingPoll | undefined;
  private nextMessageId = 1_000_000;
  private floodWindowStart = 0;
  private floodWindowCount = 0;
  private readonly chatLastSend = new Map<number, number>();

  constructor(
    readonly token: string,
    private readonly stream: UpdateStream,
    private readonly tracker: ReplyTracker,
    private readonly flood: FloodLimits | null = null,
  ) {
    this.firstPoll = new Promise((resolve) => (this.resolveFirstPoll = resolve));
    stream.setListener(() => this.wake());
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.route(req, res));
    this.server.keepAliveTimeout = 75_000;
    this.server.headersTimeout = 80_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (this.pendingPoll) this.answer(this.pendingPoll, '[]');
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  get totalCalls(): number {
    let n = 0;
    for (const count of this.calls.values()) n += count;
    return n;
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      const slash = url.indexOf('/', 4);
      if (!url.startsWith('/bot') || slash < 0)
        return send(res, 404, '{"ok":false,"error_code":404,"description":"Not Found"}');
      if (url.slice(4, slash) !== this.token) {
        return send(res, 401, '{"ok":false,"error_code":401,"description":"Unauthorized"}');
      }
      const method = url.slice(slash + 1).split('?')[0];
      this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
      const payload = parsePayload(
        Buffer.concat(chunks).toString('utf8'),
        req.headers['content-type'],
      );
      this.handle(method, payload, res);
    });
  }

  private handle(method: string, payload: Record<string, any>, res: ServerResponse): void {
    switch (method) {
      case 'getUpdates':
        return this.getUpdates(payload, res);
      case 'getMe':
        return send(res, 200, `{"ok":true,"result":${BOT_INFO}}`);
      case 'sendMessage':
      case 'editMessageText': {
        const chatId = Number(payload.chat_id);
        const retryAfter = this.floodCheck(chatId);
        if (retryAfter) {
          this.floodRejected++;
          return send(
            res,
            429,
            `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after ${retryAfter}","parameters":{"retry_after":${retryAfter}}}`,
          );
        }
        const now = performance.now();
        if (REPLY_METHODS.has(method)) this.tracker.reply(chatId, now);
        const messageId =
          method === 'editMessageText' ? Number(payload.message_id) || 1 : this.nextMessageId++;
        return send(
          res,
          200,
          `{"ok":true,"result":{"message_id":${messageId},"date":${Math.floor(Date.now() / 1000)},` +
            `"chat":{"id":${chatId},"type":"${chatId < 0 ? 'supergroup' : 'private'}"},` +
            `"from":{"id":999,"is_bot":true,"first_name":"Bench Bot","username":"bench_bot"},"text":""}}`,
        );
      }
      case 'getWebhookInfo':
        return send(
          res,
          200,
          '{"ok":true,"result":{"url":"","has_custom_certificate":false,"pending_update_count":0}}',
        );
      default:
        return send(res, 200, '{"ok":true,"result":true}');
    }
  }

  private getUpdates(payload: Record<string, any>, res: ServerResponse): void {
    this.pollTimes.push(performance.now());
    this.resolveFirstPoll();
    const offset = Number(payload.offset ?? 0);
    const limit = Math.min(100, Math.max(1, Number(payload.limit ?? 100)));
    const timeout = Number(payload.timeout ?? 0);
    if (this.pendingPoll) {
      const old = this.pendingPoll;
      this.pendingPoll = undefined;
      clearTimeout(old.timer);
      send(
        old.res,
        409,
        '{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}',
      );
    }
    if (offset > 0) this.stream.confirm(offset);
    const poll: PendingPoll = {
      res,
      offset,
      limit,
      timer: setTimeout(() => this.answer(poll, '[]'), timeout * 1000),
    };
    this.pendingPoll = poll;
    res.on('close', () => {
      if (this.pendingPoll !== poll) return;
      clearTimeout(poll.timer);
      this.pendingPoll = undefined;
    });
    this.wake();
  }

  /** Answers the waiting poll if updates from its offset exist. */
  private wake(): void {
    const poll = this.pendingPoll;
    if (!poll || !this.stream.hasFrom(Math.max(poll.offset, this.stream.confirmedOffset))) return;
    this.answer(
      poll,
      this.stream.render(Math.max(poll.offset, this.stream.confirmedOffset), poll.limit),
    );
  }

  private answer(poll: PendingPoll, result: string): void {
    clearTimeout(poll.timer);
    if (this.trace) {
      const served = result === '[]' ? 0 : result.split('"update_id":').length - 1;
      process.stderr.write(
        `poll ${performance.now().toFixed(1)} offset=${poll.offset} served=${served} sent=${this.tracker.replies}\n`,
      );
    }
    if (this.pendingPoll === poll) this.pendingPoll = undefined;
    send(poll.res, 200, `{"ok":true,"result":${result}}`);
  }

  /** Fixed one-second windows: returns retry_after seconds when a send is over a limit. */
  private floodCheck(chatId: number): number | undefined {
    if (!this.flood) return undefined;
    const now = Date.now();
    if (now - this.floodWindowStart >= 1000) {
      this.floodWindowStart = now;
      this.floodWindowCount = 0;
    }
    const last = this.chatLastSend.get(chatId) ?? 0;
    if (
      this.floodWindowCount >= this.flood.globalPerSecond ||
      now - last < 1000 / this.flood.chatPerSecond
    )
      return 1;
    this.floodWindowCount++;
    this.chatLastSend.set(chatId, now);
    return undefined;
  }
}

function parsePayload(body: string, contentType = ''): Record<string, any> {
  if (!body) return {};
  if (contentType.includes('application/json')) return JSON.parse(body);
  const out: Record<string, any> = {};
  for (const [key, value] of new URLSearchParams(body)) out[key] = value;
  return out;
}

function send(res: ServerResponse, status: number, text: string): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
