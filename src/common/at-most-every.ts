/**
 * A gate that opens at most once per `ms`: for log lines that a lasting outage would otherwise
 * repeat on every call (`if (warnGate()) logger.warn(…)`).
 */
export function atMostEvery(ms: number, now: () => number = Date.now): () => boolean {
  let last = -Infinity;
  return () => {
    const at = now();
    if (at - last < ms) return false;
    last = at;
    return true;
  };
}
