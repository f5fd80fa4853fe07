import type { SandboxEvent } from '../../src/sandbox/emulator/bot-api.emulator';

/** A reader of the sandbox's server-sent events, to await what the page would show. */
export interface SandboxEvents {
  /** Resolves with the first event (since the stream opened) that matches. */
  next(predicate: (event: SandboxEvent) => boolean, timeoutMs?: number): Promise<SandboxEvent>;
  close(): void;
}

export async function openSandboxEvents(baseUrl: string): Promise<SandboxEvents> {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}sandbox/api/events`, { signal: abort.signal });
  if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
  const seen: SandboxEvent[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data) seen.push(JSON.parse(data) as SandboxEvent);
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    next: (predicate, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        let from = 0;
        const check = () => {
          for (; from < seen.length; from++) {
            if (!predicate(seen[from])) continue;
            cleanup();
            return resolve(seen[from]);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error('timed out waiting for a sandbox event'));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: () => abort.abort(),
  };
}
