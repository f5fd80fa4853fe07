import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * V8 heap settings for a small, long-running service, set from inside the process so that every way
 * of starting it (`node dist/main.js`, `nest start`, the Docker image) gets them. V8 reads these
 * flags at every garbage collection, so they take effect after start-up (verified by measuring
 * RSS); the `--max-semi-space-size` family does not: it is fixed when the heap is created, so the
 * young generation's cap below works through the growth factor instead.
 *
 * A flag given to node (command line or NODE_OPTIONS) wins: it is left alone here.
 */

/** Young generation growth factor, V8's default. */
const SEMI_SPACE_GROWTH_FACTOR = 2;
/**
 * Largest semi-space under load, in MB (V8's default maximum is 16: 2 × 16 MB resident once a burst
 * has grown it). Burst bench, 5 interleaved pairs: 8 MB took ~12 MB off peak RSS at the same msg/s
 * and CPU; 4 MB ~15 MB for ~5% more CPU; 2 MB ~24 MB for ~15% more CPU and ~13% fewer msg/s.
 */
const MAX_SEMI_SPACE_MB = 8;
/**
 * Old generation limit after a full GC: live size + 60%. V8's own factor goes up to 4× on a machine
 * with several GB of memory, and under a burst most of what it lets pile up is promoted garbage:
 * burst peak RSS ~190-255 → ~160-175 MB, same msg/s and CPU. Lower is not better: at 30% the
 * steady profile's p90 latency rose from tens to hundreds of ms (incremental marking nearly
 * always on), for ~10 MB less peak.
 */
const HEAP_GROWING_PERCENT = 60;

/**
 * What node was given: its command line and NODE_OPTIONS (which node does not copy into execArgv).
 * Read here, not from the config module: the boot tuning runs before the framework loads. `_` is
 * spelled `-`, as V8 takes both in flag names.
 */
const NODE_ARGS = [...process.execArgv, ...(process.env.NODE_OPTIONS?.split(/\s+/) ?? [])].map(
  (arg) => arg.replace(/_/g, '-'),
);

function given(flag: string): boolean {
  return NODE_ARGS.some((arg) => arg.startsWith(`--${flag}`));
}

function setUnlessGiven(flag: string, value: number): void {
  if (!given(flag)) setFlagsFromString(`--${flag}=${value}`);
}

/**
 * Before the framework loads (the old-generation limit then applies for the life of the process).
 * Boot allocates mostly long-lived objects (module code, Nest and TypeORM metadata), whose high
 * survival rate would grow the young generation from 2 × 1 MB to its 2 × 16 MB maximum, and those
 * pages stay resident: ~30 MB of idle RSS. Growth factor 1 keeps it at 2 × 1 MB until
 * tuneHeapForTraffic().
 */
export function tuneHeapForBoot(): void {
  setUnlessGiven('semi-space-growth-factor', 1);
  setUnlessGiven('heap-growing-percent', HEAP_GROWING_PERCENT);
}

/**
 * Once the service is up: the young generation may grow again under load, up to MAX_SEMI_SPACE_MB.
 * Kept at 1 MB, what a burst has in flight is promoted to the old generation instead, and the burst
 * peak is no lower. A growth factor or maximum given to node wins.
 */
export function tuneHeapForTraffic(): void {
  if (given('semi-space-growth-factor')) return;
  setFlagsFromString(`--semi-space-growth-factor=${SEMI_SPACE_GROWTH_FACTOR}`);
  if (!given('max-semi-space-size')) capYoungGeneration(MAX_SEMI_SPACE_MB * 1024 * 1024);
}

/**
 * V8 grows the young generation by the growth factor after a scavenge that saw many survivors, and
 * shrinks it again when allocation slows down; it reads the factor at every growth. So: growth
 * stops (factor 1) while the young generation is at the cap, and resumes once V8 has shrunk it.
 * Checked after every garbage collection (a few per second under load, none when idle).
 */
function capYoungGeneration(maxSemiSpaceBytes: number): void {
  let capped = false;
  const check = () => {
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    // The new space's committed size counts both semi-spaces.
    const atCap = (young?.space_size ?? 0) >= 2 * maxSemiSpaceBytes;
    if (atCap === capped) return;
    capped = atCap;
    setFlagsFromString(`--semi-space-growth-factor=${atCap ? 1 : SEMI_SPACE_GROWTH_FACTOR}`);
  };
  check(); // it may be at the cap already (when started without tuneHeapForBoot)
  new PerformanceObserver(check).observe({ type: 'gc' });
}
