import { deriveWebhookSecret } from '../config/webhook-secret';

/** Secrets shorter than this are cut only where they stand alone (not inside longer words). */
const SHORT_SECRET = 4;

/** The configured values that must never reach a log line, an error or a test's output. */
export function configuredSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const secrets = [env.TELEGRAM_BOT_TOKEN, env.WEBHOOK_SECRET, env.METRICS_TOKEN];
  // The webhook secret derived when WEBHOOK_SECRET is unset is as secret as a configured one.
  if (env.TELEGRAM_BOT_TOKEN) secrets.push(deriveWebhookSecret(env.TELEGRAM_BOT_TOKEN));
  for (const url of [env.DATABASE_URL, env.REDIS_URL]) {
    try {
      // Both spellings: a log line may hold the URL as written or the driver's decoded password.
      const password = url ? new URL(url).password : '';
      secrets.push(password, decodeURIComponent(password));
    } catch {
      // An unparsable URL is reported by config validation, without its value.
    }
  }
  const unique = new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length > 0));
  // Longest first, so a secret that contains another is replaced whole.
  return [...unique].sort((a, b) => b.length - a.length);
}

/** Replaces every secret (and the token's numeric-id-free tail) in `text` with `***`. */
export function scrubSecrets(text: string, secrets: string[] = configuredSecrets()): string {
  let out = text;
  for (const secret of secrets) {
    // In a serialized JSON line, quotes and backslashes inside a secret appear escaped.
    const escaped = JSON.stringify(secret).slice(1, -1);
    for (const form of escaped === secret ? [secret] : [secret, escaped]) {
      out =
        secret.length < SHORT_SECRET ? replaceStandalone(out, form) : out.split(form).join('***');
    }
    const tail = secret.includes(':') ? secret.slice(secret.indexOf(':') + 1) : '';
    if (tail.length >= 8) out = out.split(tail).join('***');
  }
  return out;
}

/** A password like `pw` is cut where it is a word of its own, not inside `pwd` or `npw`. */
function replaceStandalone(text: string, secret: string): string {
  const pattern = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`(?<![A-Za-z0-9])${pattern}(?![A-Za-z0-9])`, 'g'), '***');
}
