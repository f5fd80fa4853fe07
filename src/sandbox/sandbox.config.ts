import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConfigValidationError } from '../config/env.validation';
import type { SandboxCast } from './sandbox.server';

/** The sandbox bot's id: fixed, so Redis keys and stored rows stay the same bot across runs. */
export const SANDBOX_BOT_ID = 7_000_000_001;

export const SANDBOX_CAST: SandboxCast = {
  users: [
    { id: 10_001, first_name: 'Alice', username: 'alice_admin', language_code: 'en' },
    { id: 10_002, first_name: 'Bob', username: 'bob_sandbox', language_code: 'en' },
    { id: 10_003, first_name: 'Carol', username: 'carol_sandbox', language_code: 'en' },
  ],
  group: { id: -1_001_000_000_001, title: 'Sandbox group' },
};

/**
 * Variables the sandbox decides itself, whatever the environment says: it talks only to its own
 * emulator, in polling mode, with its own token, and the app's HTTP port is private to it.
 */
const OVERRIDDEN = [
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_API_ROOT',
  'BOT_MODE',
  'WEBHOOK_URL',
  'WEBHOOK_SECRET',
  'ADMIN_USER_ID',
  'PORT',
  'HOST',
  'OPS_PORT',
  'METRICS_TOKEN',
];

const sandboxFields = z.object({
  SANDBOX_PORT: z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(0, { message: 'must be at least 0' })
    .max(65535, { message: 'must be at most 65535' })
    .default(5080),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
});

export type SandboxSettings = z.infer<typeof sandboxFields>;

/** The sandbox's own settings (where the page listens), every problem reported at once. */
export function sandboxSettings(env: NodeJS.ProcessEnv): SandboxSettings {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = sandboxFields.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigValidationError(
    result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).sort(),
  );
}

/** A fresh random token per run, in the Bot API's format. */
export function sandboxToken(): string {
  return `${SANDBOX_BOT_ID}:${randomBytes(27).toString('base64url')}`;
}

/** The sandbox's DATA_DIR: yours, or one apart from the real bot's ./data, so sandbox users never mix with real ones. */
export function sandboxDataDir(env: NodeJS.ProcessEnv): string {
  return env.DATA_DIR || './data/sandbox';
}

/** The environment the app boots with inside the sandbox. */
export function appEnvironment(
  env: NodeJS.ProcessEnv,
  emulator: { token: string; apiRoot: string },
): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const key of OVERRIDDEN) delete out[key];
  return {
    ...out,
    TELEGRAM_BOT_TOKEN: emulator.token,
    TELEGRAM_API_ROOT: emulator.apiRoot,
    BOT_MODE: 'polling',
    ADMIN_USER_ID: String(SANDBOX_CAST.users[0].id),
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: sandboxDataDir(env),
    // Quiet by default: the page is the interface; warnings and errors still show.
    LOG_LEVEL: env.LOG_LEVEL || 'warn',
  };
}
