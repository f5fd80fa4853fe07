import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtEntry } from './built-entry';
import { NODE_FLAGS } from './node-flags';
import { trackChild } from './child-processes';

const ROOT = join(__dirname, '..', '..');

export interface AppProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs the real entry point (dist/main.js, see builtEntry) as a child process with `env`, under
 * production's node flags.
 */
export function spawnApp(env: Record<string, string>): AppProcess {
  let output = '';
  const child = trackChild(
    spawn(process.execPath, [...NODE_FLAGS, builtEntry('main.js')], {
      cwd: ROOT,
      // A private DATA_DIR unless given: the journal of one test must never be replayed by another.
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'tgbot-proc-')),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/**
 * SIGTERM (the graceful path) and the exit code. A process still running after `graceMs` is
 * killed and the call fails with its output: a stop that hangs is a defect to see, and a live
 * child would keep Jest from exiting.
 */
export async function stopApp(app: AppProcess, graceMs = 30_000): Promise<number | null> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return app.exited;
  app.child.kill('SIGTERM');
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    app.child.kill('SIGKILL');
  }, graceMs);
  const code = await app.exited;
  clearTimeout(timer);
  if (hung) throw new Error(`did not exit ${graceMs} ms after SIGTERM:\n${app.output()}`);
  return code;
}
