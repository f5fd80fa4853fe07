import { readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Renames this process's journal files (those named `<prefix>-<pid>-…`) as if they belonged to a
 * process that died (pid 999999999), so that the next journal opened in `dir` replays them.
 */
export function orphanAll(dir: string, prefix: string): void {
  const own = new RegExp(`^${prefix}-\\d+-`);
  for (const name of readdirSync(dir))
    renameSync(join(dir, name), join(dir, name.replace(own, `${prefix}-999999999-`)));
}
