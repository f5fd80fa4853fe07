// Preloaded into a bot under test with `node -r` when the bench runs with --cpu-prof. The first
// SIGWINCH starts the V8 sampling profiler (so boot is not in the profile), the second writes a
// .cpuprofile to BENCH_CPU_PROFILE. (node --cpu-prof writes only on a normal exit, and Nest
// re-raises SIGTERM after its shutdown hooks, so it would never write.) SIGWINCH because its
// default action is to ignore, and because Nest's enableShutdownHooks() listens to SIGUSR2.
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
let running = false;
process.on('SIGWINCH', () => {
  if (!running) {
    running = true;
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 250 }, () =>
        session.post('Profiler.start'),
      ),
    );
    return;
  }
  session.post('Profiler.stop', (error, result) => {
    running = false;
    if (error) return;
    const path = process.env.BENCH_CPU_PROFILE ?? `bench-${process.pid}.cpuprofile`;
    // Renamed into place, so the bench never reads a half-written file.
    writeFileSync(`${path}.tmp`, JSON.stringify(result.profile));
    renameSync(`${path}.tmp`, path);
  });
});
