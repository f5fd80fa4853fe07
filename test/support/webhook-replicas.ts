import { spawnApp, stopApp, type AppProcess } from './app-process';
import { freePort } from './free-port';

/** A service process in webhook mode, with the base URL of its HTTP port. */
export interface ReplicaProcess extends AppProcess {
  base: string;
}

/** Environment of a webhook replica (the rest: the spec's own). */
export const WEBHOOK_REPLICA_ENV: Record<string, string> = {
  BOT_MODE: 'webhook',
  WEBHOOK_URL: 'https://bot.example.com/hook',
  WEBHOOK_SECRET: 'replica-secret-0123456789abcdefghijklmnop',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  BATCH_FLUSH_INTERVAL_MS: '50',
  SHUTDOWN_TIMEOUT_MS: '5000',
  RATE_LIMIT: '1000',
};

/**
 * Starts `count` replicas of the built service and waits until all are ready. Each gets a DATA_DIR
 * of its own (one instance per DATA_DIR, as each pod has its own volume): `env`'s is ignored.
 */
export async function startWebhookReplicas(
  count: number,
  env: Record<string, string>,
): Promise<ReplicaProcess[]> {
  const replicas: ReplicaProcess[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const own = { ...env };
    delete own.DATA_DIR;
    const app = spawnApp({ ...WEBHOOK_REPLICA_ENV, ...own, PORT: String(port) });
    replicas.push({ ...app, base: `http://127.0.0.1:${port}` });
  }
  try {
    await Promise.all(replicas.map((r) => untilReady(r)));
  } catch (error) {
    await stopReplicas(replicas);
    throw error;
  }
  return replicas;
}

async function untilReady(replica: ReplicaProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (replica.child.exitCode !== null)
      throw new Error(`replica exited (${replica.child.exitCode}):\n${replica.output()}`);
    const res = await fetch(`${replica.base}/health/ready`).catch(() => undefined);
    await res?.arrayBuffer();
    if (res?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`replica not ready:\n${replica.output()}`);
}

/** Stops every replica the graceful way (stopApp); fails with the output of any that hung. */
export async function stopReplicas(replicas: readonly ReplicaProcess[]): Promise<void> {
  const results = await Promise.allSettled(replicas.map((r) => stopApp(r)));
  const hung = results.flatMap((r, i) =>
    r.status === 'rejected' ? [`${replicas[i].base} ${(r.reason as Error).message}`] : [],
  );
  if (hung.length) throw new Error(hung.join('\n'));
}

/** The replica's /bot-optimization JSON. */
export async function optimization(replica: ReplicaProcess): Promise<any> {
  const res = await fetch(`${replica.base}/bot-optimization`);
  return res.json();
}
