import { readdirSync, readFileSync } from 'node:fs';

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

/** CPU seconds of a process and its direct children (nginx's workers are children of its master). */
export function treeCpuSeconds(pid: number): number | undefined {
  const own = cpuSeconds(pid);
  if (own === undefined) return undefined;
  let total = own;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) total += cpuSeconds(Number(entry)) ?? 0;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Cores used per named process between `start()` and `stop()` (e.g. "api-1 0.93"). */
export class CpuSampler {
  private begin = new Map<string, number>();
  private t0 = 0;

  constructor(private readonly processes: () => Array<{ name: string; pid: number | undefined }>) {}

  start(): void {
    this.t0 = performance.now();
    for (const p of this.processes()) {
      const s = p.pid ? treeCpuSeconds(p.pid) : undefined;
      if (s !== undefined) this.begin.set(p.name, s);
    }
    const self = cpuSeconds(process.pid);
    if (self !== undefined) this.begin.set('load-runner', self);
  }

  stop(): string {
    const seconds = (performance.now() - this.t0) / 1000;
    const parts: string[] = [];
    const add = (name: string, end: number | undefined) => {
      const b = this.begin.get(name);
      if (b !== undefined && end !== undefined) parts.push(`${name} ${((end - b) / seconds).toFixed(2)}`);
    };
    for (const p of this.processes()) add(p.name, p.pid ? treeCpuSeconds(p.pid) : undefined);
    // The runner alone: the stack's processes are its children.
    add('load-runner', cpuSeconds(process.pid));
    return parts.join(', ');
  }
}
