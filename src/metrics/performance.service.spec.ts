import { PerformanceService } from './performance.service';

const busy = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Spin: blocks the event loop and burns CPU on purpose.
  }
};
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PerformanceService', () => {
  let service: PerformanceService;

  beforeEach(() => {
    service = new PerformanceService({ threadPoolSize: 4 });
  });
  afterEach(() => service.onModuleDestroy());

  it('reports a blocked event loop as lag and the spin as CPU time of the last interval', async () => {
    // The monitor samples every 100 ms: give it a sample before and after the spin.
    await tick(150);
    busy(400);
    await tick(150);
    service.sample();
    const { cpu, eventLoop } = service.snapshot();
    expect(eventLoop.lagMaxMs).toBeGreaterThanOrEqual(200);
    expect(eventLoop.lagP99Ms).toBeLessThanOrEqual(eventLoop.lagMaxMs);
    expect(eventLoop.utilizationLastInterval).toBeGreaterThan(0.5);
    expect(cpu.percentLastInterval).toBeGreaterThan(0);
  });

  it('reports memory and handles of this process', () => {
    const snapshot = service.snapshot();
    expect(snapshot.pid).toBe(process.pid);
    expect(snapshot.memory.rssBytes).toBeGreaterThan(0);
    expect(snapshot.handles.activeHandles + snapshot.handles.activeRequests).toBe(
      process.getActiveResourcesInfo().length,
    );
    expect(snapshot.cpu.loadAverage).toHaveLength(3);
  });
});
