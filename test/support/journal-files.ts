import { readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Marks the journal files in `dir` (named `<prefix>-<start time>-…`) as a dead predecessor's
 * (`<prefix>-999999999-…`), as a crash would leave them: the next journal opened there replays
 * them (it replays every file but its own, DataDirLock keeping live siblings out), and specs can
 * tell them from the files of the journals they open later.
 */
export function orphanAll(dir: string, prefix: string): void {
  const own = new RegExp(`^${prefix}-\\d+-`);
  for (const name of readdirSync(dir))
    renameSync(join(dir, name), join(dir, name.replace(own, `${prefix}-999999999-`)));
}
