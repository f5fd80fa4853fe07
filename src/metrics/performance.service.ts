import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { availableParallelism, loadavg } from 'node:os';
import {
  monitorEventLoopDelay,
  performance,
  type EventLoopUtilization,
  type IntervalHistogram,
} from 'node:perf_hooks';
import { runtimeConfig, type RuntimeConfig } from '../config/app.config';

const SAMPLE_INTERVAL_MS = 5000;
// Coarse on purpose: each sample wakes the process (measured idle CPU: 1.5% at 10 ms, 0.1% at 100 ms).
const LAG_RESOLUTION_MS = 100;

export interface Sample {
  at: number;
  cpu: NodeJS.CpuUsage;
  elu: EventLoopUtilization;
}

interface IntervalStats {
  cpuPercent: number;
  utilization: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  seconds: number;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
// The histogram records the whole timer period; only what exceeds the resolution is lag.
const lagMs = (ns: number) =>
  Number.isFinite(ns) ? round(Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS)) : 0;
// Node lists timers and handles by type; requests are the *Req* wraps (fs, dns) and write/shutdown.
const isRequest = (type: string) => /Req|^WriteWrap$|^ShutdownWrap$/.test(type);

/**
 * Process figures for /performance: CPU % over the last ~5 s and since start, event-loop lag and
 * utilisation, memory, handles. Sampling runs on an unref'd timer so it never keeps the process up.
 */
@Injectable()
export class PerformanceService implements OnModuleDestroy {
  private readonly started: Sample = this.takeSample();
  private previous: Sample = this.started;
  private last: IntervalStats | null = null;
  private readonly lag: IntervalHistogram = monitorEventLoopDelay({
    resolution: LAG_RESOLUTION_MS,
  });
  private readonly timer: NodeJS.Timeout;

  constructor(@Inject(runtimeConfig.KEY) private readonly runtime: RuntimeConfig) {
    this.lag.enable();
    this.timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.lag.disable();
  }

  /** Closes the current interval: CPU and lag figures then describe the last ~5 s. */
  sample(): void {
    const now = this.takeSample();
    this.last = { ...intervalBetween(this.previous, now), ...lagStats(this.lag) };
    this.previous = now;
    this.lag.reset();
  }

  snapshot() {
    const now = this.takeSample();
    // Before the first full interval, report what has been seen so far.
    const interval = this.last ?? { ...intervalBetween(this.previous, now), ...lagStats(this.lag) };
    const sinceStart = intervalBetween(this.started, now);
    const memory = process.memoryUsage();
    const resources = process.getActiveResourcesInfo();
    const byType: Record<string, number> = {};
    for (const type of resources) byType[type] = (byType[type] ?? 0) + 1;
    const requests = resources.filter(isRequest).length;
    return {
      uptimeSec: round(process.uptime(), 1),
      cpu: {
        cores: availableParallelism(),
        percentLastInterval: interval.cpuPercent,
        intervalSec: interval.seconds,
        percentSinceStart: sinceStart.cpuPercent,
        loadAverage: loadavg().map((n) => round(n)),
      },
      memory: {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        heapTotalBytes: memory.heapTotal,
        externalBytes: memory.external,
        arrayBuffersBytes: memory.arrayBuffers,
      },
      eventLoop: {
        lagP50Ms: interval.lagP50Ms,
        lagP99Ms: interval.lagP99Ms,
        lagMaxMs: interval.lagMaxMs,
        utilizationLastInterval: interval.utilization,
        utilizationSinceStart: sinceStart.utilization,
      },
      handles: {
        activeHandles: resources.length - requests,
        activeRequests: requests,
        byType,
      },
      threadPoolSize: this.runtime.threadPoolSize,
      nodeVersion: process.version,
      pid: process.pid,
      timestamp: new Date().toISOString(),
    };
  }

  private takeSample(): Sample {
    return {
      at: performance.now(),
      cpu: process.cpuUsage(),
      elu: performance.eventLoopUtilization(),
    };
  }
}

/** CPU % of one core (200 = two cores busy) and event-loop utilisation between two samples. */
export function intervalBetween(from: Sample, to: Sample) {
  const wallMs = Math.max(to.at - from.at, 1e-3);
  const cpuMs = (to.cpu.user - from.cpu.user + to.cpu.system - from.cpu.system) / 1000;
  const elu = performance.eventLoopUtilization(to.elu, from.elu);
  return {
    cpuPercent: round((cpuMs / wallMs) * 100, 1),
    utilization: round(elu.utilization, 3),
    seconds: round(wallMs / 1000, 1),
  };
}

/** Lag percentiles of an event-loop delay histogram, in ms beyond its resolution. */
export function lagStats(h: Pick<IntervalHistogram, 'count' | 'percentile' | 'max'>) {
  // An empty histogram (no tick yet) reports huge sentinel values; treat it as no lag.
  if (h.count === 0) return { lagP50Ms: 0, lagP99Ms: 0, lagMaxMs: 0 };
  return {
    lagP50Ms: lagMs(h.percentile(50)),
    lagP99Ms: lagMs(h.percentile(99)),
    lagMaxMs: lagMs(h.max),
  };
}
