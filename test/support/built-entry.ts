import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

let checked = false;

/**
 * The path of a compiled entry point under dist/ (e.g. `main.js`). Child-process specs run the
 * build, as `npm run start:prod` and the Dockerfile do, because compiling src/ with ts-node costs
 * every spawned process seconds; a dist/ older than src/ fails loudly instead of testing old code.
 */
export function builtEntry(file: string): string {
  const entry = join(ROOT, 'dist', file);
  if (!checked) {
    const built = mtimeOf(entry);
    const source = newestSource(join(ROOT, 'src'));
    if (built === undefined || source > built)
      throw new Error(`dist/ is missing or older than src/: run \`npm run build\` first`);
    checked = true;
  }
  return entry;
}

function mtimeOf(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (!entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
