import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The tuning changes V8 flags for the whole process, so each case runs in a child process: it
 * allocates like a burst (a large share of objects survive a scavenge or two) and reports the
 * largest young generation it saw, in MB (both semi-spaces).
 */
const CHILD = `
const { getHeapSpaceStatistics } = require('node:v8');
if (process.env.TUNE === '1') require(${JSON.stringify(join(__dirname, 'heap-tuning'))}).tuneHeapForTraffic();
let largest = 0;
const ring = new Array(200000);
let i = 0;
function chunk(left) {
  for (let n = 0; n < 20000; n++) ring[i++ % ring.length] = { id: i, text: 'message ' + i, at: [i, i] };
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  largest = Math.max(largest, young.space_size);
  if (left > 0) setImmediate(chunk, left - 1);
  else process.stdout.write(String(largest / 1048576));
}
chunk(200);
`;

async function largestYoungGenerationMb(tune: boolean): Promise<number> {
  const { stdout } = await run(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-e', CHILD],
    { env: { ...process.env, TUNE: tune ? '1' : '0' } },
  );
  return Number(stdout);
}

describe('tuneHeapForTraffic', () => {
  it('caps the young generation at 2 × 8 MB under a burst of surviving objects', async () => {
    const [untuned, tuned] = await Promise.all([
      largestYoungGenerationMb(false),
      largestYoungGenerationMb(true),
    ]);
    expect(untuned).toBeGreaterThan(16); // V8's own maximum is 2 × 16 MB
    expect(tuned).toBeGreaterThan(2); // still grows from its 2 × 1 MB start
    expect(tuned).toBeLessThanOrEqual(16);
  });
});
