import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BotName } from './bots';
import { DEFAULT_ADMIN_URL } from './database';

/** Where the replicas profile finds Redis. */
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export const PROFILES = ['burst', 'seed', 'steady', 'mixed', 'idle', 'soak', 'replicas'] as const;
export type ProfileName = (typeof PROFILES)[number];
/**
 * Profiles run `--rounds` times, the bots interleaved round by round: a single run of a few
 * seconds moves by ±15% on a shared machine, sometimes for minutes at a time, and interleaving
 * lets every bot meet the same phases.
 */
export const ROUND_PROFILES: readonly ProfileName[] = [
  'burst',
  'seed',
  'steady',
  'mixed',
  'replicas',
];

/** Everything a bench run is told on the command line, with defaults filled in. */
export interface BenchOptions {
  profiles: ProfileName[];
  bots: BotName[];
  quick: boolean;
  embedded: boolean;
  flood: boolean;
  /** Runs of each ROUND_PROFILES profile per bot. */
  rounds: number;
  adminUrl: string;
  burst: { users: number; perUser: number };
  seed: { users: number; perUser: number; settleSeconds: number };
  steady: { rate: number; seconds: number; users: number; warmupSeconds: number };
  mixed: { rate: number; seconds: number; users: number };
  idle: { seconds: number; settleSeconds: number };
  soak: { rate: number; seconds: number; users: number; warmupSeconds: number; baselines: boolean };
  /** Our service only: each count of webhook replicas in turn, sharing Redis. */
  replicas: { counts: number[]; users: number; redisUrl: string };
  cpuProf: boolean;
  heapSnapshot: boolean;
  resultsDir: string;
  extraEnv: Record<string, string>;
  /** Entry script of our service (default dist/main.js): compare a patched build side by side. */
  service: string;
}

export const USAGE = `npm run bench -- [options]

  --profile burst|seed|steady|mixed|idle|soak|replicas|all  comma-separated (default all)
  --bots ours,stock,telegraf,grammy            which bots to run (default all; soak runs ours only)
  --quick                                      small sizes: the whole run in about 5 minutes
  --rounds N                                   burst, seed, steady, mixed and replicas run N times, interleaved;
                                               the median run is reported (3; 1 with --quick)
  --embedded                                   our service on embedded PGlite instead of PostgreSQL
  --flood                                      the fake Bot API enforces 30 msg/s and 1 msg/s per chat
  --users N --per-user N                       burst size (10000 x 2); seed is always 500 x 4
  --rate N --seconds N --steady-users N        steady load (500 msg/s, 20 s, 5000 users)
  --steady-warmup N                            seconds at that rate before measuring (3)
  --mixed-rate N --mixed-seconds N --mixed-users N  mixed load (300 msg/s, 15 s, 2000 users)
  --idle-seconds N                             idle window (60), after 15 s of settling after start-up
  --duration N --soak-rate N --soak-baselines  soak length in seconds (1800), rate (100 msg/s), baselines too
  --soak-warmup N                              seconds of soak before the RSS slope is fitted (360)
  --replicas N,N --replica-users N             replicas: webhook replica counts (1,3), users writing once (600)
  --redis-url URL                              Redis the replicas share (${DEFAULT_REDIS_URL})
  --admin-url URL                              PostgreSQL admin URL (${DEFAULT_ADMIN_URL})
  --env KEY=VALUE                              extra environment for our service (repeatable)
  --service PATH                               entry script of our service (dist/main.js)
  --cpu-prof                                   CPU profile of each bot's measured phase (bench/results/profiles)
  --heap-snapshot                              heap snapshot of our service after the load`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      profile: { type: 'string', default: 'all' },
      bots: { type: 'string', default: 'ours,stock,telegraf,grammy' },
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      embedded: { type: 'boolean', default: false },
      flood: { type: 'boolean', default: false },
      users: { type: 'string' },
      'per-user': { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      'steady-users': { type: 'string' },
      'steady-warmup': { type: 'string' },
      'mixed-rate': { type: 'string' },
      'mixed-seconds': { type: 'string' },
      'mixed-users': { type: 'string' },
      'idle-seconds': { type: 'string' },
      duration: { type: 'string' },
      'soak-rate': { type: 'string' },
      'soak-warmup': { type: 'string' },
      'soak-baselines': { type: 'boolean', default: false },
      'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_URL ?? DEFAULT_ADMIN_URL },
      replicas: { type: 'string', default: '1,3' },
      'replica-users': { type: 'string' },
      'redis-url': { type: 'string', default: process.env.BENCH_REDIS_URL ?? DEFAULT_REDIS_URL },
      env: { type: 'string', multiple: true, default: [] },
      'cpu-prof': { type: 'boolean', default: false },
      'heap-snapshot': { type: 'boolean', default: false },
      service: { type: 'string', default: 'dist/main.js' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick;
  const num = (value: string | undefined, full: number, small: number) => {
    if (value === undefined) return quick ? small : full;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${value}`);
    return n;
  };
  const profiles =
    values.profile === 'all' ? [...PROFILES] : values.profile.split(',').map((p) => p.trim());
  for (const p of profiles)
    if (!PROFILES.includes(p as ProfileName)) throw new Error(`unknown profile: ${p}\n${USAGE}`);
  const bots = values.bots.split(',').map((b) => b.trim()) as BotName[];
  for (const b of bots)
    if (!['ours', 'stock', 'telegraf', 'grammy'].includes(b)) throw new Error(`unknown bot: ${b}`);
  // RSS rose for about six minutes in a 30-minute soak while the working set filled (cached
  // profiles with a 5-minute TTL, rate-limit and de-duplication windows). After that it is a
  // sawtooth, a full GC handing 30-40 MB back every 3-8 minutes, so the fit needs a long window.
  const soakSeconds = num(values.duration, 1800, 30);
  const soakWarmup = Math.min(360, Math.round(soakSeconds / 4));
  return {
    profiles: profiles as ProfileName[],
    bots,
    quick,
    embedded: values.embedded,
    flood: values.flood,
    rounds: Math.round(num(values.rounds, 3, 1)),
    adminUrl: values['admin-url'],
    burst: { users: num(values.users, 10_000, 2_000), perUser: num(values['per-user'], 2, 2) },
    seed: { users: 500, perUser: 4, settleSeconds: quick ? 5 : 10 },
    steady: {
      rate: num(values.rate, 500, 300),
      seconds: num(values.seconds, 20, 10),
      users: num(values['steady-users'], 5_000, 2_000),
      warmupSeconds: num(values['steady-warmup'], 3, 2),
    },
    mixed: {
      rate: num(values['mixed-rate'], 300, 200),
      seconds: num(values['mixed-seconds'], 15, 8),
      users: num(values['mixed-users'], 2_000, 500),
    },
    idle: { seconds: num(values['idle-seconds'], 60, 30), settleSeconds: quick ? 5 : 15 },
    soak: {
      rate: num(values['soak-rate'], 100, 100),
      seconds: soakSeconds,
      users: 5_000,
      warmupSeconds: num(values['soak-warmup'], soakWarmup, soakWarmup),
      baselines: values['soak-baselines'],
    },
    replicas: {
      counts: values.replicas.split(',').map((c) => Math.round(num(c.trim(), 1, 1))),
      users: num(values['replica-users'], 600, 300),
      redisUrl: values['redis-url'],
    },
    cpuProf: values['cpu-prof'],
    heapSnapshot: values['heap-snapshot'],
    resultsDir: join(__dirname, 'results'),
    service: values.service,
    extraEnv: Object.fromEntries(
      values.env.map((kv) => {
        const i = kv.indexOf('=');
        if (i < 1) throw new Error(`--env expects KEY=VALUE, got ${kv}`);
        return [kv.slice(0, i), kv.slice(i + 1)];
      }),
    ),
  };
}
