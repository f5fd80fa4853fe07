/**
 * Parks `resolve` in `waiters` until someone wakes it or `signal` aborts, without leaving a listener
 * behind on a long-lived signal (a poll loop waits thousands of times on the same one).
 */
export function abortableWait(waiters: (() => void)[], signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => finish();
    const finish = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    waiters.push(finish);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
