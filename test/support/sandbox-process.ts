import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtEntry } from './built-entry';
import { trackChild } from './child-processes';

const ROOT = join(__dirname, '..', '..');

export interface SandboxProcess {
  /** The page's address as printed, e.g. http://127.0.0.1:40123/ */
  url: string;
  child: ChildProcess;
  output: () => string;
  dataDir: string;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Runs `npm run sandbox`'s command (built: dist/sandbox/main.js, see builtEntry) as a child process, with
 * PGlite in a fresh DATA_DIR and a free port, and resolves once it printed its address. The
 * generous deadline is for a busy CI machine (a fresh PGlite compiles its WASM and migrates).
 */
export async function startSandboxProcess(
  env: Record<string, string> = {},
  timeoutMs = 100_000,
): Promise<SandboxProcess> {
  // A DATA_DIR given in `env` is the caller's to keep (a restart); a fresh one is removed on stop.
  const ownDir = !env.DATA_DIR;
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'tgbot-sandbox-'));
  const child = trackChild(
    spawn(process.execPath, [builtEntry('sandbox/main.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', SANDBOX_PORT: '0', ...env, DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`sandbox did not start:\n${output}`)),
        timeoutMs,
      );
      const check = () => {
        const match = /^Sandbox: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(output);
        if (!match) return;
        clearTimeout(timer);
        resolve(match[1]);
      };
      child.stdout.on('data', check);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`sandbox exited with ${code}:\n${output}`));
      });
    });
  } catch (error) {
    // A sandbox that never came up must not outlive the spec (nor keep jest from exiting).
    child.kill('SIGKILL');
    await exited;
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    dataDir,
    child,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      const code = await exited;
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
