import { loadEnv } from '../config/app.config';

/** The configured values that must never reach a log line, an error or a test's output. */
export function configuredSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const secrets = [env.TELEGRAM_BOT_TOKEN, env.WEBHOOK_SECRET, env.METRICS_TOKEN];
  for (const url of [env.DATABASE_URL, env.REDIS_URL]) {
    try {
      if (url) secrets.push(decodeURIComponent(new URL(url).password));
    } catch {
      // An unparsable URL is reported by config validation, without its value.
    }
  }
  return secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
}

/** Replaces every secret (and the token's numeric-id-free tail) in `text` with `***`. */
export function scrubSecrets(text: string, secrets: string[] = configuredSecrets()): string {
  let out = text;
  for (const secret of secrets) {
    out = out.split(secret).join('***');
    const tail = secret.includes(':') ? secret.slice(secret.indexOf(':') + 1) : '';
    if (tail.length >= 8) out = out.split(tail).join('***');
  }
  return out;
}

export function logLevel(): string {
  try {
    return loadEnv().LOG_LEVEL;
  } catch {
    return 'info';
  }
}
