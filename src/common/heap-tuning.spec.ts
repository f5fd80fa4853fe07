import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ModuleKind, ScriptTarget, transpileModule } from 'typescript';

const run = promisify(execFile);

/**
 * The tuning changes V8 flags for the whole process, so each case runs in a child process: plain
 * node with the module transpiled beforehand (a TypeScript loader in the child would have grown the
 * young generation before the test starts). The child allocates like a burst (a large share of
 * objects survive a scavenge or two), in small turns of the event loop as the service does (V8
 * reports each collection to observers on a later turn), and prints the largest young generation
 * it saw, in MB (both semi-spaces).
 */
const CHILD = `
const { getHeapSpaceStatistics } = require('node:v8');
if (process.env.TUNING) require(process.env.TUNING).tuneHeapForTraffic();
let largest = 0;
const ring = new Array(200000);
let i = 0;
function chunk(left) {
  for (let n = 0; n < 1000; n++) ring[i++ % ring.length] = { id: i, text: 'message ' + i, at: [i, i] };
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  largest = Math.max(largest, young.space_size);
  if (left > 0) setImmediate(chunk, left - 1);
  else process.stdout.write(String(largest / 1048576));
}
chunk(4000);
`;

describe('tuneHeapForTraffic', () => {
  let dir: string;
  let tuning: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'heap-tuning-spec-'));
    tuning = join(dir, 'heap-tuning.js');
    const source = readFileSync(join(__dirname, 'heap-tuning.ts'), 'utf8');
    const compilerOptions = { module: ModuleKind.CommonJS, target: ScriptTarget.ES2022 };
    writeFileSync(tuning, transpileModule(source, { compilerOptions }).outputText);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function largestYoungGenerationMb(tune: boolean, nodeOptions = ''): Promise<number> {
    const env = { ...process.env, TUNING: tune ? tuning : '', NODE_OPTIONS: nodeOptions };
    const { stdout } = await run(process.execPath, ['-e', CHILD], { env });
    return Number(stdout);
  }

  it('caps the young generation at 2 × 8 MB under a burst of surviving objects', async () => {
    const [untuned, tuned] = await Promise.all([
      largestYoungGenerationMb(false),
      largestYoungGenerationMb(true),
    ]);
    expect(untuned).toBeGreaterThan(16); // V8's own maximum is 2 × 16 MB
    expect(tuned).toBeGreaterThan(2); // still grows from its 2 × 1 MB start
    expect(tuned).toBeLessThanOrEqual(16);
  });

  it('leaves the young generation alone when NODE_OPTIONS sets its maximum', async () => {
    expect(await largestYoungGenerationMb(true, '--max_semi_space_size=32')).toBeGreaterThan(16);
  });
});
