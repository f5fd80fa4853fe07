import type { ChildProcess } from 'node:child_process';

/** Where a spec's children are kept: the spec's global, which its test environment can read. */
const KEY = '__specChildren';

/** Children still running, registered by the helpers that spawn them. */
export function runningChildren(global: Record<string, unknown>): Set<ChildProcess> {
  return ((global[KEY] as Set<ChildProcess> | undefined) ??= new Set());
}

/** Registers a child until it exits, so that the test environment can kill it if a spec did not. */
export function trackChild<T extends ChildProcess>(child: T): T {
  const running = runningChildren(globalThis);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}
