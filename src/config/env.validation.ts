import { envSchema, type Env } from './env.schema';

/** Thrown at boot when the environment is invalid; lists every problem, never a value. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Parses the whole environment at once so that every bad variable is reported together. */
export function validateEnv(raw: NodeJS.ProcessEnv): Env {
  // An empty string means "unset" for every variable: `FOO=` in a .env file should not fail boot.
  const present = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'env'} ${issue.message}`);
  throw new ConfigValidationError([...new Set(problems)].sort());
}
