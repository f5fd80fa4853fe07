import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * The node flags production starts the service with, read from `npm run start:prod`, so that
 * tests and the bench run what production runs (the Dockerfile, the manifests and `nest start`
 * spell the same flags: test/deploy-manifests.e2e-spec.ts checks that they agree).
 */
export const NODE_FLAGS: readonly string[] = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts['start:prod']
  .split(/\s+/)
  .filter((arg) => arg.startsWith('--'));
