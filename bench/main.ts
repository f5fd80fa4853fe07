import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { buildBaselines } from './baselines-build';
import { BOTS, BotRun, ROOT } from './bots';
import { BenchDatabase } from './database';
import type { RunResult } from './harness';
import { type BenchOptions, parseOptions, ROUND_PROFILES } from './options';
import { runBotProfile } from './profiles';
import { runReplicas } from './replicas';
import {
  describeMachine,
  evaluateTargets,
  markdownReport,
  medianRuns,
  resultsTable,
  targetsTable,
} from './report';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(resolve(ROOT, options.service)))
    throw new Error(`${options.service} is missing: run npm run build first`);
  buildBaselines();
  const postgres =
    options.embedded && options.bots.every((b) => b === 'ours')
      ? null
      : await postgresVersion(options.adminUrl);
  const machine = describeMachine(postgres);
  const started = new Date();
  process.stdout.write(
    `bench: ${options.profiles.join(', ')} × ${options.bots.join(', ')} on ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}` +
      `${options.quick ? ' (quick)' : ''}\n`,
  );
  const runs: RunResult[] = [];
  for (const profile of options.profiles) {
    const rounds = ROUND_PROFILES.includes(profile) ? options.rounds : 1;
    // What one round runs: every bot, or for replicas each replica count of our service.
    const entries: [string, () => Promise<RunResult>][] =
      profile === 'replicas'
        ? options.replicas.counts.map((n) => [`ours ×${n}`, () => runReplicas(n, options)])
        : options.bots
            .filter((name) => profile !== 'soak' || name === 'ours' || options.soak.baselines)
            .map((name) => [name, () => runBotProfile(profile, BOTS[name], options)]);
    for (let round = 1; round <= rounds; round++) {
      for (const [name, run] of entries) {
        const t0 = performance.now();
        const label = rounds > 1 ? `${name} ${round}/${rounds}` : name;
        process.stdout.write(`  ${profile.padEnd(6)} ${label.padEnd(12)} … `);
        const result = await run();
        runs.push({ ...result, round });
        process.stdout.write(
          `${summary(result)} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`,
        );
      }
    }
  }
  const results = medianRuns(runs);
  const targets = evaluateTargets(results);
  const markdown = markdownReport(results, targets, machine, options, started);
  mkdirSync(options.resultsDir, { recursive: true });
  writeFileSync(
    join(options.resultsDir, 'latest.json'),
    `${JSON.stringify({ generatedAt: started.toISOString(), machine, options: publicOptions(options), results, targets, runs }, null, 2)}\n`,
  );
  writeFileSync(join(options.resultsDir, 'latest.md'), `# Benchmark results\n\n${markdown}`);
  process.stdout.write(`\n${resultsTable(results)}\n\n${targetsTable(targets)}\n\n`);
  process.stdout.write(`written: bench/results/latest.json, bench/results/latest.md\n`);
}

function summary(r: RunResult): string {
  if (!r.ok && r.replied === 0 && r.profile !== 'idle') return `FAILED: ${r.error}`;
  const parts = [];
  if (r.msgPerSec !== null) parts.push(`${r.msgPerSec.toFixed(0)} msg/s`);
  if (r.latency) parts.push(`p99 ${r.latency.p99} ms`);
  if (r.peakRssMb !== null) parts.push(`RSS ${r.peakRssMb} MB`);
  if (r.profile === 'idle') parts.push(`${r.extra.pollsPerMinute} polls/min, CPU ${r.cpuPercent}%`);
  if (r.extra.cacheHitRatio !== undefined) parts.push(`hit ratio ${r.extra.cacheHitRatio}`);
  if (r.profile === 'replicas')
    parts.push(`${r.extra.limitShare}× the global limit, 429 share ${r.extra.flood429Share}`);
  if (r.extra.rssSlopeMbPerHour !== undefined)
    parts.push(`RSS slope ${r.extra.rssSlopeMbPerHour} MB/h`);
  if (!r.ok) parts.push(`(${r.error})`);
  return parts.join(', ');
}

/** The options as recorded in latest.json: without local paths and the admin URL. */
function publicOptions(options: BenchOptions): Partial<BenchOptions> {
  const rest: Partial<BenchOptions> = { ...options };
  delete rest.resultsDir;
  delete rest.adminUrl;
  return rest;
}

async function postgresVersion(adminUrl: string): Promise<string> {
  const client = new Client({ connectionString: adminUrl, application_name: 'bench-admin' });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `cannot reach PostgreSQL at ${adminUrl.replace(/:[^:@/]*@/, ':***@')} (${(error as Error).message}); use --embedded or --admin-url`,
    );
  }
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0].server_version.split(' ')[0];
  } finally {
    await client.end();
  }
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\ninterrupted: stopping bots and dropping bench databases\n');
  for (const run of BotRun.live) run.child?.kill('SIGKILL');
  void Promise.allSettled([...BenchDatabase.live].map((db) => db.drop())).then(() =>
    process.exit(130),
  );
});

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).message}\n`);
  for (const run of BotRun.live) run.child?.kill('SIGKILL');
  void Promise.allSettled([...BenchDatabase.live].map((db) => db.drop())).then(() =>
    process.exit(1),
  );
});
