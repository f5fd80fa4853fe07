import { intervalBetween, lagStats, PerformanceService, type Sample } from './performance.service';

const sample = (at: number, cpuMicros: number, active: number, idle: number): Sample => ({
  at,
  cpu: { user: cpuMicros, system: 0 },
  elu: { active, idle, utilization: active / (active + idle || 1) },
});

describe('PerformanceService', () => {
  it("reports lag beyond the monitor's 100 ms resolution, and none before the first tick", () => {
    const ms = 1e6;
    const histogram = {
      count: 20,
      percentile: (p: number) => (p === 50 ? 100.5 * ms : 350 * ms),
      max: 500 * ms,
    };
    expect(lagStats(histogram)).toEqual({ lagP50Ms: 0.5, lagP99Ms: 250, lagMaxMs: 400 });
    expect(lagStats({ count: 0, percentile: () => 9e18, max: 9e18 })).toEqual({
      lagP50Ms: 0,
      lagP99Ms: 0,
      lagMaxMs: 0,
    });
  });

  it('reports CPU as a share of one core and event-loop utilisation between two samples', () => {
    const from = sample(1_000, 0, 0, 0);
    const to = sample(3_000, 3_000_000, 1_500, 500);
    expect(intervalBetween(from, to)).toEqual({ cpuPercent: 150, utilization: 0.75, seconds: 2 });
  });

  it('reports memory and handles of this process', () => {
    const service = new PerformanceService({ threadPoolSize: 4 });
    try {
      const snapshot = service.snapshot();
      expect(snapshot.pid).toBe(process.pid);
      expect(snapshot.memory.rssBytes).toBeGreaterThan(0);
      expect(snapshot.handles.activeHandles + snapshot.handles.activeRequests).toBe(
        process.getActiveResourcesInfo().length,
      );
      expect(snapshot.cpu.loadAverage).toHaveLength(3);
      expect(snapshot.threadPoolSize).toBe(4);
    } finally {
      service.onModuleDestroy();
    }
  });
});
