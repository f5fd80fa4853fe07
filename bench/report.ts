import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import type { BotName } from './bots';
import type { RunResult } from './harness';
import { type BenchOptions, ROUND_PROFILES } from './options';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  postgres: string | null;
  os: string;
  /** Commit of the service measured (dist/ is built from the working tree, so "+dirty" when it differs). */
  commit: string;
}

export interface Target {
  name: string;
  value: string;
  goal: string;
  status: 'PASS' | 'MISS' | 'n/a';
}

export function describeMachine(postgres: string | null): Machine {
  const cpuinfo = safe(() => readFileSync('/proc/cpuinfo', 'utf8'), '');
  return {
    cpus: safe(() => Number(execSync('nproc').toString().trim()), availableParallelism()),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres,
    os: safe(() => execSync('uname -sr').toString().trim(), process.platform),
    commit: safe(() => {
      const head = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
      const dirty = execSync('git status --porcelain -- src', {
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .toString()
        .trim();
      return dirty ? `${head}+dirty` : head;
    }, 'unknown'),
  };
}

const find = (results: RunResult[], profile: string, bot: BotName) =>
  results.find((r) => r.profile === profile && r.bot === bot && r.ok) ??
  results.find((r) => r.profile === profile && r.bot === bot);

/** The figure rounds are ranked by: throughput for burst, peak RSS for seed, p99 latency otherwise. */
function rankFigure(r: RunResult): number | null {
  if (r.profile === 'burst' || r.profile === 'replicas') return r.msgPerSec;
  if (r.profile === 'seed') return r.peakRssMb;
  return r.latency?.p99 ?? null;
}

/**
 * One run per profile and bot: the median of its rounds by rankFigure, so every column of a row
 * comes from one and the same run (an even count takes the worse of the two middle runs). A failed
 * round is reported instead, never hidden behind a good one.
 */
export function medianRuns(runs: RunResult[]): RunResult[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of runs) {
    const key = `${r.profile} ${r.bot} ${r.extra.replicas ?? ''}`;
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0];
    const failed = group.find((r) => !r.ok);
    if (failed) return failed;
    const figures = group.map((r) => rankFigure(r) ?? NaN);
    // Worse first: ascending msg/s, descending latency and RSS.
    const sign = group[0].profile === 'burst' || group[0].profile === 'replicas' ? 1 : -1;
    const sorted = [...group].sort((a, b) => sign * ((rankFigure(a) ?? 0) - (rankFigure(b) ?? 0)));
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    return {
      ...median,
      rounds: { count: group.length, min: Math.min(...figures), max: Math.max(...figures) },
    };
  });
}

/** The issue's targets, each PASS, MISS or n/a (not measured in this run). Never asserted. */
export function evaluateTargets(results: RunResult[]): Target[] {
  const targets: Target[] = [];
  const add = (
    name: string,
    value: number | null | undefined,
    goal: string,
    pass: (v: number) => boolean,
    fmt = (v: number) => `${v}`,
  ) =>
    targets.push({
      name,
      goal,
      value: value === null || value === undefined || Number.isNaN(value) ? 'n/a' : fmt(value),
      status:
        value === null || value === undefined || Number.isNaN(value)
          ? 'n/a'
          : pass(value)
            ? 'PASS'
            : 'MISS',
    });
  const ratio = (a?: number | null, b?: number | null) => (a && b ? a / b : null);
  const x = (v: number) => `${v.toFixed(2)}×`;
  const burstOurs = find(results, 'burst', 'ours');
  for (const [bot, goal, min] of [
    ['telegraf', '≥ 1.0× bare Telegraf', 1],
    ['grammy', '≥ 1.0× bare grammY', 1],
    ['stock', '≥ 5× stock', 5],
  ] as const) {
    add(
      `burst throughput vs ${bot}`,
      ratio(burstOurs?.msgPerSec, find(results, 'burst', bot)?.msgPerSec),
      goal,
      (v) => v >= min,
      x,
    );
  }
  const steadyOurs = find(results, 'steady', 'ours');
  add(
    'steady p99 latency',
    steadyOurs?.latency?.p99,
    '≤ 10 ms',
    (v) => v <= 10,
    (v) => `${v} ms`,
  );
  add(
    'steady p99 vs bare Telegraf',
    ratio(steadyOurs?.latency?.p99, find(results, 'steady', 'telegraf')?.latency?.p99),
    '≤ 1.0× (no worse)',
    (v) => v <= 1,
    x,
  );
  // Only meaningful at the issue's size: a smaller burst touches fewer users' state.
  const fullBurst = Number(burstOurs?.extra.users ?? 0) >= 10_000;
  add(
    'peak RSS, 10,000 distinct users (burst)',
    fullBurst ? burstOurs?.peakRssMb : null,
    '≤ 100 MB',
    (v) => v <= 100,
    (v) => `${v} MB`,
  );
  const seedOurs = find(results, 'seed', 'ours');
  add(
    'peak RSS, 500 users × 4 messages, boot included (seed)',
    seedOurs?.peakRssMb,
    '≤ 100 MB',
    (v) => v <= 100,
    (v) => `${v} MB`,
  );
  add(
    'seed peak RSS vs stock nestjs-telegraf',
    ratio(seedOurs?.peakRssMb, find(results, 'seed', 'stock')?.peakRssMb),
    '< 1.0×',
    (v) => v < 1,
    x,
  );
  const ours = results.filter((r) => r.bot === 'ours' && r.dbPeakConnections !== null);
  add(
    'DB connections at peak (all profiles)',
    ours.length ? Math.max(...ours.map((r) => r.dbPeakConnections!)) : null,
    '≤ 2',
    (v) => v <= 2,
  );
  add(
    'DB connections when idle (all profiles)',
    ours.length ? Math.max(...ours.map((r) => r.dbIdleConnections ?? 0)) : null,
    '0',
    (v) => v === 0,
  );
  const xacts = results.filter(
    (r) => r.bot === 'ours' && r.xactPer1000 !== null && ['burst', 'steady'].includes(r.profile),
  );
  add(
    'transactions per 1,000 messages (burst, steady)',
    xacts.length ? Math.max(...xacts.map((r) => r.xactPer1000!)) : null,
    '≤ 25',
    (v) => v <= 25,
  );
  const idleOurs = find(results, 'idle', 'ours');
  add(
    'idle polls per minute',
    idleOurs?.extra.pollsPerMinute as number | undefined,
    '≤ 2.1',
    (v) => v <= 2.1,
  );
  add(
    'idle CPU',
    idleOurs?.cpuPercent,
    '< 0.5%',
    (v) => v < 0.5,
    (v) => `${v}%`,
  );
  add(
    'mixed cache hit ratio',
    find(results, 'mixed', 'ours')?.extra.cacheHitRatio as number | undefined,
    '≥ 80%',
    (v) => v >= 0.8,
    (v) => `${(v * 100).toFixed(1)}%`,
  );
  const replicated = results.filter((r) => r.profile === 'replicas' && r.ok);
  const widest = replicated.sort((a, b) => Number(b.extra.replicas) - Number(a.extra.replicas))[0];
  add(
    `replicas throughput (${widest?.extra.replicas ?? 'n'} replicas)`,
    widest?.extra.limitShare as number | undefined,
    '≥ 0.9× the global limit',
    (v) => v >= 0.9,
    x,
  );
  add(
    `replicas 429 share (${widest?.extra.replicas ?? 'n'} replicas)`,
    widest?.extra.flood429Share as number | undefined,
    '≤ 1%',
    (v) => v <= 0.01,
    (v) => `${(v * 100).toFixed(2)}%`,
  );
  const soakOurs = find(results, 'soak', 'ours');
  const slope = soakOurs?.extra.rssSlopeMbPerHour as number | null | undefined;
  const ci = (soakOurs?.extra.rssSlopeCi95MbPerHour as number | null | undefined) ?? 0;
  // "No upward slope": the 95% interval of the post-warm-up RSS slope reaches zero or below.
  targets.push({
    name: 'soak RSS slope after warm-up',
    goal: 'no upward slope (95% CI includes ≤ 0)',
    value: slope === null || slope === undefined ? 'n/a' : `${slope} ± ${ci} MB/h`,
    status: slope === null || slope === undefined ? 'n/a' : slope - ci <= 0 ? 'PASS' : 'MISS',
  });
  return targets;
}

const n = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined ? '–' : Number.isInteger(v) ? `${v}` : v.toFixed(digits);

function notes(r: RunResult): string {
  const e = r.extra;
  const parts: string[] = [];
  if (!r.ok && r.error) parts.push(`**${r.error}**`);
  if (r.profile === 'burst' && r.durationSec !== null) parts.push(`drained in ${r.durationSec} s`);
  if (r.rounds) {
    const digits =
      r.profile === 'steady' || r.profile === 'mixed' ? 2 : r.profile === 'seed' ? 1 : 0;
    const range = `${n(r.rounds.min, digits)}–${n(r.rounds.max, digits)}`;
    const unit =
      r.profile === 'burst' || r.profile === 'replicas'
        ? `${range} msg/s`
        : r.profile === 'seed'
          ? `peak RSS ${range} MB`
          : `p99 ${range} ms`;
    parts.push(`median of ${r.rounds.count} rounds (${unit})`);
  }
  if (r.profile === 'seed' && r.endRssMb !== null) parts.push(`RSS settled ${r.endRssMb} MB`);
  if (r.profile === 'replicas') {
    parts.push(`${e.replicas} replica(s) sharing Redis: ${e.limitShare}× the global limit`);
    parts.push(`429 share ${((e.flood429Share as number) * 100).toFixed(2)}%`);
  }
  if (r.profile === 'steady' && r.latency?.slowest) {
    const { pollWaitMs, afterPollMs } = r.latency.slowest;
    parts.push(
      `slowest 1%: ${n(pollWaitMs, 2)} ms to be polled + ${n(afterPollMs, 2)} ms to the reply`,
    );
  }
  if (r.profile === 'mixed') {
    if (e.cacheHitRatio !== undefined && e.cacheHitRatio !== null)
      parts.push(`cache hits ${((e.cacheHitRatio as number) * 100).toFixed(1)}%`);
    if (e.dbReadsPerMessage !== undefined && e.dbReadsPerMessage !== null)
      parts.push(`DB reads/msg ${e.dbReadsPerMessage}`);
  }
  if (r.profile === 'idle') {
    parts.push(`${e.pollsPerMinute} polls/min, CPU ${n(r.cpuPercent, 3)}%`);
    // The peak column is the process's lifetime peak, which for an idle bot is a start-up spike.
    if (r.endRssMb !== null) parts.push(`RSS at the end ${r.endRssMb} MB`);
  }
  if (r.profile === 'soak' && e.rssSlopeMbPerHour !== undefined) {
    parts.push(`RSS ${e.rssSlopeMbPerHour} ± ${e.rssSlopeCi95MbPerHour} MB/h`);
    if (e.heapSlopeMbPerHour !== null && e.heapSlopeMbPerHour !== undefined)
      parts.push(`heap ${e.heapSlopeMbPerHour} ± ${e.heapSlopeCi95MbPerHour} MB/h`);
  }
  if (e.unmatchedReplies) parts.push(`${e.unmatchedReplies} extra replies`);
  if (e.flood429) parts.push(`${e.flood429}× 429`);
  return parts.join('; ');
}

export function resultsTable(results: RunResult[]): string {
  const head =
    '| profile | bot | msgs | msg/s | p50 ms | p90 ms | p99 ms | max ms | peak RSS MB | CPU s | DB conns peak/idle | xact/1k msgs | rows stored/accepted | notes |\n' +
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|';
  const rows = results.map((r) => {
    const l = r.latency;
    const conns =
      r.dbPeakConnections === null ? '–' : `${r.dbPeakConnections}/${r.dbIdleConnections}`;
    const rows = r.rowsStored ? `${r.rowsStored.messages}/${r.accepted}` : `–/${r.accepted}`;
    return `| ${r.profile} | ${botColumn(r)} | ${r.replied} | ${n(r.msgPerSec, 0)} | ${n(l?.p50, 2)} | ${n(l?.p90, 2)} | ${n(l?.p99, 2)} | ${n(l?.max, 1)} | ${n(r.peakRssMb)} | ${n(r.cpuSeconds, 2)} | ${conns} | ${n(r.xactPer1000)} | ${rows} | ${notes(r)} |`;
  });
  return [head, ...rows].join('\n');
}

export function ratiosTable(results: RunResult[]): string {
  const lines = [
    '| ours vs | burst msg/s | steady p99 | burst peak RSS | burst CPU s |',
    '|---|--:|--:|--:|--:|',
  ];
  const ratio = (a?: number | null, b?: number | null) => (a && b ? `${(a / b).toFixed(2)}×` : '–');
  for (const bot of ['stock', 'telegraf', 'grammy'] as const) {
    const b = find(results, 'burst', bot);
    const o = find(results, 'burst', 'ours');
    if (!b && !find(results, 'steady', bot)) continue;
    lines.push(
      `| ${bot} | ${ratio(o?.msgPerSec, b?.msgPerSec)} | ${ratio(find(results, 'steady', 'ours')?.latency?.p99, find(results, 'steady', bot)?.latency?.p99)} | ${ratio(o?.peakRssMb, b?.peakRssMb)} | ${ratio(o?.cpuSeconds, b?.cpuSeconds)} |`,
    );
  }
  return lines.length > 2 ? lines.join('\n') : '';
}

/** The bot, and for the replicas profile how many replicas ran. */
const botColumn = (r: RunResult) => (r.profile === 'replicas' ? r.label : r.bot);

export function callsTable(results: RunResult[]): string {
  const lines = ['| profile | bot | Bot API calls by method |', '|---|---|---|'];
  for (const r of results) {
    lines.push(
      `| ${r.profile} | ${botColumn(r)} | ${
        Object.entries(r.apiCalls)
          .map(([m, c]) => `${m} ${c}`)
          .join(', ') || '–'
      } |`,
    );
  }
  return lines.join('\n');
}

export function targetsTable(targets: Target[]): string {
  return [
    '| target | goal | measured | |',
    '|---|---|--:|---|',
    ...targets.map((t) => `| ${t.name} | ${t.goal} | ${t.value} | ${t.status} |`),
  ].join('\n');
}

export function markdownReport(
  results: RunResult[],
  targets: Target[],
  machine: Machine,
  options: BenchOptions,
  when: Date,
): string {
  const sizes = [
    options.profiles.includes('burst') &&
      `burst ${options.burst.users.toLocaleString('en')} users × ${options.burst.perUser}`,
    options.profiles.includes('seed') &&
      `seed ${options.seed.users} users × ${options.seed.perUser} (RSS settled ${options.seed.settleSeconds} s after the last reply)`,
    options.profiles.includes('steady') &&
      `steady ${options.steady.rate} msg/s × ${options.steady.seconds} s from ${options.steady.users.toLocaleString('en')} users`,
    options.profiles.includes('mixed') &&
      `mixed ${options.mixed.rate} msg/s × ${options.mixed.seconds} s from ${options.mixed.users.toLocaleString('en')} returning users (40% text, 30% /me, 30% profile button)`,
    options.profiles.includes('idle') && `idle ${options.idle.seconds} s`,
    options.profiles.includes('soak') &&
      `soak ${options.soak.rate} msg/s × ${options.soak.seconds} s (warm-up ${options.soak.warmupSeconds} s)`,
    options.rounds > 1 &&
      options.profiles.some((p) => ROUND_PROFILES.includes(p)) &&
      `burst, seed, steady and mixed: the median of ${options.rounds} rounds, bots interleaved`,
  ].filter(Boolean);
  return [
    `Measured ${when.toISOString().replace(/\.\d+Z$/, 'Z')} on ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB RAM, ` +
      `Node ${machine.node}, service at ${machine.commit}, ${options.embedded ? 'embedded PGlite' : `PostgreSQL ${machine.postgres ?? '?'}`} (local), ${machine.os}. ` +
      `Run: \`npm run bench -- ${benchArgs(options)}\`${options.quick ? ' (quick sizes)' : ''}; ${sizes.join('; ')}. ` +
      `Flood limits in the fake Bot API: ${options.flood ? 'on (30/s, 1/s per chat)' : 'off'} (always on in the replicas profile).`,
    '',
    resultsTable(results),
    '',
    ratiosTable(results),
    '',
    targetsTable(targets),
    '',
    '<details><summary>Bot API calls per method</summary>',
    '',
    callsTable(results),
    '',
    '</details>',
    '',
  ].join('\n');
}

function benchArgs(options: BenchOptions): string {
  const args = [`--profile ${options.profiles.length === 5 ? 'all' : options.profiles.join(',')}`];
  if (options.quick) args.push('--quick');
  if (options.embedded) args.push('--embedded');
  if (options.flood) args.push('--flood');
  return args.join(' ');
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
