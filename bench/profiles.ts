import { type BotRun, type BotSpec, sleep } from './bots';
import {
  type Driver,
  openLoop,
  round,
  runProfile,
  type RunResult,
  waitForReplies,
} from './harness';
import type { BenchOptions, ProfileName } from './options';
import { UpdateKind } from './update-stream';

/**
 * Makes every user's messages available at once, round by round, so that one user's messages are
 * `users` updates apart, as from real people. Returns when they were released.
 */
function releaseRounds(run: BotRun, users: number, perUser: number): number {
  const startedAt = performance.now();
  for (let round = 0; round < perUser; round++) {
    for (let u = 0; u < users; u++)
      run.tracker.expect(run.stream.push(UpdateKind.Text, u, startedAt));
  }
  return startedAt;
}

/** burst: every user's messages released at once; throughput and time to drain. */
function burst(options: BenchOptions): { expected: number; drive: Driver } {
  const { users, perUser } = options.burst;
  const total = users * perUser;
  return {
    expected: total,
    drive: async (run) => {
      const startedAt = releaseRounds(run, users, perUser);
      await waitForReplies(run, total, 30_000);
      return { sent: total, expectedReplies: total, startedAt, extra: { users, perUser } };
    },
  };
}

/**
 * seed: the load the service was specified for, 500 users × 4 messages (round by round), against
 * external PostgreSQL; peak RSS (VmHWM, boot included) and RSS once the load has settled.
 */
function seed(options: BenchOptions): { expected: number; drive: Driver } {
  const { users, perUser, settleSeconds } = options.seed;
  const total = users * perUser;
  return {
    expected: total,
    drive: async (run) => {
      const startedAt = releaseRounds(run, users, perUser);
      await waitForReplies(run, total, 30_000);
      // The end-of-run RSS is then the settled working set, not the burst's garbage.
      await sleep(settleSeconds * 1000);
      return { sent: total, expectedReplies: total, startedAt, extra: { users, perUser } };
    },
  };
}

/**
 * steady: open-loop arrivals at a fixed rate; latency percentiles. Every bot first gets
 * `warmupSeconds` of the same load, not measured: steady-state latency, not JIT warm-up (which
 * takes about half a second for our service and would otherwise be most of its p99).
 */
function steady(options: BenchOptions): { expected: number; drive: Driver } {
  const { rate, seconds, users, warmupSeconds } = options.steady;
  const total = Math.round(rate * seconds);
  const warmup = Math.round(rate * warmupSeconds);
  return {
    expected: warmup + total,
    drive: async (run, mark) => {
      await openLoop(run, rate, warmupSeconds, users, () => UpdateKind.Text);
      await waitForReplies(run, warmup, 15_000);
      run.tracker.measureFromNow();
      await mark();
      // Our service's own view every 5 s: event-loop lag and GC-visible heap while under load.
      let lagMaxMs = 0;
      let lagP99Ms = 0;
      let nextSample = 5;
      const { sent, startedAt } = await openLoop(
        run,
        rate,
        seconds,
        users,
        () => UpdateKind.Text,
        (t) => {
          if (t < nextSample || run.bot.name !== 'ours') return;
          nextSample += 5;
          void run.performance().then((perf) => {
            if (!perf) return;
            lagMaxMs = Math.max(lagMaxMs, perf.eventLoop.lagMaxMs ?? 0);
            lagP99Ms = Math.max(lagP99Ms, perf.eventLoop.lagP99Ms ?? 0);
          });
        },
      );
      await waitForReplies(run, total, 15_000);
      const lag: Record<string, number> =
        run.bot.name === 'ours'
          ? { eventLoopLagMaxMs: lagMaxMs, eventLoopLagP99MaxMs: lagP99Ms }
          : {};
      return {
        sent,
        expectedReplies: total,
        startedAt,
        extra: { targetRate: rate, users, ...lag },
      };
    },
  };
}

/**
 * mixed: returning users (each sent /me once in a warm-up that is not measured), then text, /me and
 * the profile button in a 40/30/30 mix; cache hit ratio and database reads per message.
 */
function mixed(options: BenchOptions): { expected: number; drive: Driver } {
  const { rate, seconds, users } = options.mixed;
  const total = Math.round(rate * seconds);
  let seed = 12345;
  const kindOf = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const r = seed % 10;
    return r < 4 ? UpdateKind.Text : r < 7 ? UpdateKind.Me : UpdateKind.ProfileButton;
  };
  return {
    expected: users + total,
    drive: async (run, mark) => {
      await openLoop(
        run,
        Math.max(rate, 500),
        users / Math.max(rate, 500),
        users,
        () => UpdateKind.Me,
      );
      await waitForReplies(run, users, 15_000);
      run.tracker.measureFromNow();
      await sleep(1000); // the warm-up's rows flushed and its connections closed
      await mark();
      const { sent, startedAt } = await openLoop(run, rate, seconds, users, kindOf);
      await waitForReplies(run, total, 15_000);
      return {
        sent,
        expectedReplies: total,
        startedAt,
        extra: { users, targetRate: rate },
        finish: ({ optimization, xacts, mark: m }): Record<string, number | null> => {
          const before = m.optimization;
          if (!optimization || !before) return { cacheHitRatio: null, dbReadsPerMessage: null };
          const hits = optimization.cache.hits - before.cache.hits;
          const misses = optimization.cache.misses - before.cache.misses;
          const flushes = optimization.batch.flushes - before.batch.flushes;
          return {
            cacheHits: hits,
            cacheMisses: misses,
            cacheHitRatio: hits + misses > 0 ? round(hits / (hits + misses), 4) : null,
            flushes,
            // Every read is one autocommit transaction; every flush is one BEGIN…COMMIT.
            // (Shutdown flushes come after this reading, so this slightly undercounts flushes.)
            dbReadsPerMessage:
              xacts === null ? null : round(Math.max(0, xacts - flushes) / sent, 4),
            cacheMissesPerMessage: round(misses / sent, 4),
          };
        },
      };
    },
  };
}

/**
 * idle: no traffic; polls per minute, CPU %, connections held. Measured once start-up has settled
 * (for every bot): V8 keeps compiling and collecting for several seconds after boot, which is
 * start-up cost, not idle cost.
 */
function idle(options: BenchOptions): { expected: number; drive: Driver } {
  return {
    expected: 0,
    drive: async (run, mark) => {
      await sleep(options.idle.settleSeconds * 1000);
      const m = await mark();
      await sleep(options.idle.seconds * 1000);
      const polls = run.api.pollTimes.filter((t) => t >= m.at).length;
      return {
        sent: 0,
        expectedReplies: 0,
        startedAt: m.at,
        extra: {
          windowSec: options.idle.seconds,
          polls,
          pollsPerMinute: round((polls * 60) / options.idle.seconds),
        },
      };
    },
  };
}

/** soak: a long moderate load; RSS (and our heap) sampled, slope after warm-up. */
function soak(options: BenchOptions): { expected: number; drive: Driver } {
  const { rate, seconds, users, warmupSeconds } = options.soak;
  const total = Math.round(rate * seconds);
  return {
    expected: total,
    drive: async (run) => {
      const rss: [number, number][] = [];
      const heap: [number, number][] = [];
      let nextSample = 0;
      let nextHeap = 0;
      const { sent, startedAt } = await openLoop(
        run,
        rate,
        seconds,
        users,
        () => UpdateKind.Text,
        (t) => {
          if (t >= nextSample) {
            nextSample += 1;
            const p = run.proc();
            if (p) rss.push([t, p.rssBytes / 2 ** 20]);
          }
          if (t >= nextHeap && run.bot.name === 'ours') {
            nextHeap += 5;
            void run
              .performance()
              .then((perf) => perf && heap.push([t, perf.memory.heapUsedBytes / 2 ** 20]));
          }
        },
      );
      await waitForReplies(run, total, 15_000);
      const after = (s: [number, number][]) => s.filter(([t]) => t >= warmupSeconds);
      const rssFit = slope(after(rss));
      const heapFit = slope(after(heap));
      return {
        sent,
        expectedReplies: total,
        startedAt,
        extra: {
          durationSec: seconds,
          warmupSec: warmupSeconds,
          rssSlopeMbPerHour: rssFit && round(rssFit.perSec * 3600),
          rssSlopeCi95MbPerHour: rssFit && round(rssFit.ci95 * 3600),
          rssAfterWarmupMb: rssFit && round(rssFit.first),
          rssEndMb: rss.length ? round(rss[rss.length - 1][1]) : null,
          heapSlopeMbPerHour: heapFit && round(heapFit.perSec * 3600),
          heapSlopeCi95MbPerHour: heapFit && round(heapFit.ci95 * 3600),
        },
      };
    },
  };
}

/** Seconds of samples averaged into one point of the slope fit. */
const SLOPE_BLOCK_SECONDS = 60;

/**
 * Least-squares slope (per second) with a 95% half-width, fitted to the means of
 * SLOPE_BLOCK_SECONDS blocks of [t, value] samples ("batch means"). RSS is a sawtooth (V8 gives
 * pages back after a full GC every few minutes, 30-40 MB at a time), so neighbouring samples are
 * far from independent, and a fit to the raw 1 s samples claimed a ±2 MB/h interval that the next
 * run would miss by ±20.
 */
function slope(
  samples: [number, number][],
): { perSec: number; ci95: number; first: number } | null {
  if (samples.length === 0) return null;
  const start = samples[0][0];
  const blocks = new Map<number, [number, number][]>();
  for (const sample of samples) {
    const key = Math.floor((sample[0] - start) / SLOPE_BLOCK_SECONDS);
    const block = blocks.get(key);
    if (block) block.push(sample);
    else blocks.set(key, [sample]);
  }
  const points = [...blocks.values()].map((block) => [
    block.reduce((a, [t]) => a + t, 0) / block.length,
    block.reduce((a, [, v]) => a + v, 0) / block.length,
  ]);
  const n = points.length;
  if (n < 3) return null;
  const mt = points.reduce((a, [t]) => a + t, 0) / n;
  const mv = points.reduce((a, [, v]) => a + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [t, v] of points) {
    sxx += (t - mt) ** 2;
    sxy += (t - mt) * (v - mv);
  }
  const b = sxy / sxx;
  let sse = 0;
  for (const [t, v] of points) sse += (v - (mv + b * (t - mt))) ** 2;
  const se = Math.sqrt(sse / (n - 2) / sxx);
  return { perSec: b, ci95: studentT975(n - 2) * se, first: samples[0][1] };
}

/** Two-sided 95% quantile of Student's t (a few blocks need more than the normal 1.96). */
function studentT975(df: number): number {
  const table = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23];
  if (df <= table.length) return table[df - 1];
  return df < 20 ? 2.2 - (df - 10) * 0.011 : df < 40 ? 2.09 - (df - 20) * 0.0025 : 1.96;
}

/** Profiles of one bot process on the bench's load API (replicas has a harness of its own). */
const DRIVERS: Record<
  Exclude<ProfileName, 'replicas'>,
  (o: BenchOptions) => { expected: number; drive: Driver }
> = {
  burst,
  seed,
  steady,
  mixed,
  idle,
  soak,
};

export function runBotProfile(
  profile: Exclude<ProfileName, 'replicas'>,
  bot: BotSpec,
  options: BenchOptions,
): Promise<RunResult> {
  const { expected, drive } = DRIVERS[profile](options);
  return runProfile(profile, bot, options, expected, drive);
}
