import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Ids reserved per write: a crash skips at most this many, and a write happens once per block. */
const BLOCK = 100;

/**
 * Named id sequences (update ids, each chat's message ids) that never hand out an id twice, also
 * across restarts when given a file: a block of ids is written to the file before its first id is
 * used, and a restart continues after the last block written. The service stores and
 * de-duplicates by these ids, so a restarted sandbox repeating one would lose a message.
 */
export class IdCounters {
  private readonly next = new Map<string, number>();
  private readonly reserved = new Map<string, number>();

  constructor(private readonly file?: string) {
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    let saved: Record<string, number> = {};
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new Error(`the sandbox's id file ${file} is unreadable: delete it to start over`);
    }
    for (const [name, bound] of Object.entries(saved)) {
      if (!Number.isSafeInteger(bound)) continue;
      this.reserved.set(name, bound);
      this.next.set(name, bound);
    }
  }

  /** The next id of `name`; a new sequence starts at `first`. */
  take(name: string, first: number): number {
    const id = Math.max(this.next.get(name) ?? first, first);
    this.advance(name, id + 1);
    return id;
  }

  /** An id given from outside (a pushed update with its own id): later ones come after it. */
  passed(name: string, id: number): void {
    if (id + 1 > (this.next.get(name) ?? -Infinity)) this.advance(name, id + 1);
  }

  private advance(name: string, next: number): void {
    this.next.set(name, next);
    if (!this.file || next <= (this.reserved.get(name) ?? -Infinity)) return;
    this.reserved.set(name, next - 1 + BLOCK);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.reserved)));
    renameSync(tmp, this.file);
  }
}
