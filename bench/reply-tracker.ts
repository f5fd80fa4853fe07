import { USER_ID_BASE, type UpdateStream } from './update-stream';

/**
 * Matches each reply (sendMessage or editMessageText) to the oldest unanswered update of its chat
 * and records the latency from the update being available to the reply reaching the fake API.
 * Bots answer every update of a private chat once, in order, so per-chat FIFO matching is exact
 * for ours (strict per-chat order) and off by at most one reordering for the baselines.
 */
export class ReplyTracker {
  private readonly waiting = new Map<number, number[]>();
  private latencies = new Float64Array(1024);
  /** Latencies recorded (updates with id ≥ measureFrom that got their reply). */
  measured = 0;
  replies = 0;
  /** Replies to chats with nothing waiting (notices, failure texts, extra replies). */
  unmatched = 0;
  firstReplyAt = 0;
  lastReplyAt = 0;
  /** Updates below this id are warm-up: matched but not measured. */
  private measureFrom = 1;

  constructor(private readonly stream: UpdateStream) {}

  /** Everything pushed so far was warm-up: only later updates are measured. */
  measureFromNow(): void {
    this.measureFrom = this.stream.count + 1;
    this.measured = 0;
  }

  /** Call after stream.push for every update that expects a reply. */
  expect(updateId: number): void {
    const chat = this.stream.userOf(updateId);
    const queue = this.waiting.get(chat);
    if (queue) queue.push(updateId);
    else this.waiting.set(chat, [updateId]);
  }

  reply(chatId: number, now: number): void {
    this.replies++;
    if (this.firstReplyAt === 0) this.firstReplyAt = now;
    this.lastReplyAt = now;
    const chat = chatId - USER_ID_BASE;
    const queue = this.waiting.get(chat);
    const updateId = queue?.shift();
    if (updateId === undefined) {
      this.unmatched++;
      return;
    }
    if (queue!.length === 0) this.waiting.delete(chat);
    if (updateId < this.measureFrom) return;
    if (this.measured === this.latencies.length) {
      const bigger = new Float64Array(this.latencies.length * 2);
      bigger.set(this.latencies);
      this.latencies = bigger;
    }
    this.latencies[this.measured++] = now - this.stream.availableAt[updateId - 1];
  }

  /** Updates that have not been answered yet. */
  get outstanding(): number {
    let n = 0;
    for (const queue of this.waiting.values()) n += queue.length;
    return n;
  }

  /** Latency percentiles in ms over the measured updates (null when none). */
  percentiles(): LatencySummary | null {
    if (this.measured === 0) return null;
    const sorted = this.latencies.slice(0, this.measured).sort();
    const at = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
    return {
      count: sorted.length,
      p50: round(at(50)),
      p90: round(at(90)),
      p99: round(at(99)),
      max: round(sorted[sorted.length - 1]),
      mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    };
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
