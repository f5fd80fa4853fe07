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
  /** Per measured update, the part of its latency spent waiting for a poll to serve it. */
  private pollWaits = new Float64Array(1024);
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
      this.latencies = doubled(this.latencies);
      this.pollWaits = doubled(this.pollWaits);
    }
    const availableAt = this.stream.availableAt[updateId - 1];
    this.pollWaits[this.measured] = this.stream.servedAt[updateId - 1] - availableAt;
    this.latencies[this.measured++] = now - availableAt;
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
      slowest: this.split(at(99)),
    };
  }

  /**
   * Where the updates at or above `threshold` spent their time, on average: waiting for the bot's
   * next poll to fetch them (the bot was between polls), or from that poll to the reply.
   */
  private split(threshold: number): LatencySplit {
    let count = 0;
    let pollWait = 0;
    let total = 0;
    for (let i = 0; i < this.measured; i++) {
      if (this.latencies[i] < threshold) continue;
      count++;
      pollWait += this.pollWaits[i];
      total += this.latencies[i];
    }
    return {
      pollWaitMs: round(pollWait / count),
      afterPollMs: round((total - pollWait) / count),
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
  /** The slowest 1% (latency ≥ p99), split by where the time went. */
  slowest: LatencySplit;
}

export interface LatencySplit {
  /** Mean ms from the update becoming available to a poll serving it. */
  pollWaitMs: number;
  /** Mean ms from that poll to the reply. */
  afterPollMs: number;
}

function doubled(values: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(values.length * 2);
  bigger.set(values);
  return bigger;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
