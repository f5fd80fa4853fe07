import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux (x86_64 and arm64)

/** Memory and CPU of a running process, read from /proc (Linux only). */
export interface ProcSample {
  /** Peak resident set size (VmHWM), bytes. */
  peakRssBytes: number;
  /** Current resident set size (VmRSS), bytes. */
  rssBytes: number;
  /** User + system CPU time, seconds. */
  cpuSeconds: number;
  /** System (kernel) CPU time alone, seconds: syscalls such as writes, fsync, socket I/O. */
  systemSeconds: number;
}

export function readProc(pid: number): ProcSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return {
      peakRssBytes: kb(status, 'VmHWM') * 1024,
      rssBytes: kb(status, 'VmRSS') * 1024,
      cpuSeconds: (utime + stime) / CLOCK_TICKS_PER_SECOND,
      systemSeconds: stime / CLOCK_TICKS_PER_SECOND,
    };
  } catch {
    return null;
  }
}

function kb(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}
