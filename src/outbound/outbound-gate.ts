import type { OutboundLane } from './outbound.governor';

/** Where the flood budget is kept: this process only, Redis for all replicas, or this process's share during a Redis outage. */
export type BudgetMode = 'local' | 'shared' | 'fallback';

/** What the budget is now, for /bot-optimization and /metrics. */
export interface BudgetState {
  mode: BudgetMode;
  /** Replicas the budget is split between during an outage (1 for a local budget). */
  replicas: number;
}

/**
 * The flood-control decision OutboundService asks before each call: OutboundGovernor (one
 * process) or SharedOutboundGovernor (all replicas, through Redis).
 */
export interface OutboundGate {
  acquire(chatId: string | number | undefined, lane: OutboundLane, retry?: boolean): Promise<void>;
  reportFlood(chatId: string | number | undefined, retryAfterMs: number): 'chat' | 'global';
  globalPauseMs(): number;
  sentLate(releasedAt: number, sentAt: number): void;
  queued(lane: OutboundLane): number;
  budget(): BudgetState;
  close(): void;
}

/** DI token of the gate; absent: OutboundService keeps its own in-process governor. */
export const OUTBOUND_GATE = Symbol('OUTBOUND_GATE');
