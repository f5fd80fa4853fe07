import type { z } from 'zod';
import { envFields, envSchema, type Env } from './env.schema';

/** Thrown at boot when the environment is invalid; lists every problem, never a value. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Parses the whole environment at once so that every bad variable is reported together. */
export function validateEnv(raw: NodeJS.ProcessEnv): Env {
  return parse(envSchema, raw);
}

const databaseFields = envFields.pick({
  DATABASE_URL: true,
  DATA_DIR: true,
  DB_APPLICATION_NAME: true,
  DB_POOL_MAX: true,
  DB_IDLE_TIMEOUT_MS: true,
  DB_QUERY_TIMEOUT_MS: true,
  DB_CONNECT_RETRIES: true,
  DB_MIGRATIONS_RUN: true,
  DB_PREPARED_STATEMENTS: true,
});

/** Only the database variables, for tools that need no bot token (the TypeORM CLI). */
export function validateDatabaseEnv(raw: NodeJS.ProcessEnv): z.infer<typeof databaseFields> {
  return parse(databaseFields, raw);
}

function parse<S extends z.ZodType>(schema: S, raw: NodeJS.ProcessEnv): z.infer<S> {
  // An empty string means "unset" for every variable: `FOO=` in a .env file should not fail boot.
  const present = Object.fromEntries(
    Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || 'env'} ${issue.message}`,
  );
  throw new ConfigValidationError([...new Set(problems)].sort());
}
