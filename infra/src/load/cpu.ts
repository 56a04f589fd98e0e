import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used so far, from /proc; undefined off Linux. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the command name (which may contain spaces) start at ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

/** Cores used per named process between `start()` and `stop()` (e.g. "api-1 0.93"). */
export class CpuSampler {
  private begin = new Map<string, number>();
  private t0 = 0;

  constructor(private readonly processes: () => Array<{ name: string; pid: number | undefined }>) {}

  start(): void {
    this.t0 = performance.now();
    for (const p of this.processes()) {
      const s = p.pid ? cpuSeconds(p.pid) : undefined;
      if (s !== undefined) this.begin.set(p.name, s);
    }
    const self = cpuSeconds(process.pid);
    if (self !== undefined) this.begin.set('load-runner', self);
  }

  stop(): string {
    const seconds = (performance.now() - this.t0) / 1000;
    const all = [...this.processes(), { name: 'load-runner', pid: process.pid }];
    const parts: string[] = [];
    for (const p of all) {
      const b = this.begin.get(p.name);
      const e = p.pid ? cpuSeconds(p.pid) : undefined;
      if (b !== undefined && e !== undefined) parts.push(`${p.name} ${((e - b) / seconds).toFixed(2)}`);
    }
    return parts.join(', ');
  }
}
