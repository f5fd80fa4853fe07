import { Injectable } from '@nestjs/common';
import { BatchWriter, PgBatchWriter } from '../../src/batch/batch.writer';
import type { FlushStatement } from '../../src/batch/batch.sql';

/** An error shaped like a pg error with this SQLSTATE / node code. */
export function dbError(code: string, message = `db error ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The real writer, with faults a spec switches on: the next writes fail, or wait at a gate.
 * What is written, and how, stays PostgreSQL's (no second copy of the SQL's semantics).
 * Boot with `bootBatchApp(env, { writer: FaultyWriter })`; the app's instance is `faults(app)`.
 */
@Injectable()
export class FaultyWriter extends PgBatchWriter {
  /** Errors thrown by the next writes, one per write. */
  readonly failNext: Error[] = [];
  /** While set, every write fails with it. */
  down: Error | null = null;
  /** While set, writes wait for it. */
  gate: Promise<void> | null = null;
  attempts = 0;
  active = 0;
  maxActive = 0;

  override async write(statement: FlushStatement, values: unknown[]): Promise<number[]> {
    this.attempts++;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (this.gate) await this.gate;
      const failure = this.failNext.shift() ?? this.down;
      if (failure) throw failure;
      return await super.write(statement, values);
    } finally {
      this.active--;
    }
  }

  /** Closes the gate; the returned function opens it. */
  hold(): () => void {
    let open!: () => void;
    this.gate = new Promise((resolve) => (open = resolve));
    return () => {
      this.gate = null;
      open();
    };
  }
}

/** Resolves once `check` passes (polled every 10 ms); rejects with its last error after `ms`. */
export async function eventually(check: () => unknown, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if ((await check()) !== false) return;
    } catch (error) {
      if (Date.now() > until) throw error;
    }
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The FaultyWriter of an app booted with it. */
export function faults(app: { moduleRef: { get(token: unknown): unknown } }): FaultyWriter {
  return app.moduleRef.get(BatchWriter) as FaultyWriter;
}
