import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat after the command name (state first); undefined if gone or off Linux. */
function statFields(pid: number | string): string[] | undefined {
  try {
    // The command name may contain spaces: the fields after it start at the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime of {@link statFields}, in seconds (they count clock ticks, USER_HZ 100). */
const cpuOf = (fields: string[]) => (Number(fields[11]) + Number(fields[12])) / 100;

/** CPU seconds (user + system) a process has used so far, from /proc; undefined off Linux. */
export function cpuSeconds(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields && cpuOf(fields);
}

/** CPU seconds of a process and its direct children (nginx's workers are children of its master). */
export function treeCpuSeconds(pid: number): number | undefined {
  const own = cpuSeconds(pid);
  if (own === undefined) return undefined;
  let total = own;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry); // undefined: gone meanwhile
    if (fields && Number(fields[1]) === pid) total += cpuOf(fields);
  }
  return total;
}

/** What {@link CpuSampler.stop} measured. */
export interface CpuUse {
  /** Cores used per named process, e.g. "api-1 0.93, redis 0.28, load-runner 0.40". */
  table: string;
  /**
   * CPU seconds (user + system) used by all the stack's processes together, the runner's own
   * excluded; undefined when the runner started no stack (`--target`): it cannot see their CPU.
   */
  stackSeconds: number | undefined;
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

  stop(): CpuUse {
    const seconds = (performance.now() - this.t0) / 1000;
    const parts: string[] = [];
    const add = (name: string, end: number | undefined): number => {
      const b = this.begin.get(name);
      if (b === undefined || end === undefined) return 0;
      parts.push(`${name} ${((end - b) / seconds).toFixed(2)}`);
      return end - b;
    };
    let stackSeconds: number | undefined;
    for (const p of this.processes()) {
      const end = p.pid ? treeCpuSeconds(p.pid) : undefined;
      if (end !== undefined && this.begin.has(p.name)) stackSeconds = (stackSeconds ?? 0) + add(p.name, end);
    }
    // The runner alone: the stack's processes are its children.
    add('load-runner', cpuSeconds(process.pid));
    return { table: parts.join(', '), stackSeconds };
  }
}
