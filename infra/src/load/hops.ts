import { HOP_METRIC, PIPELINE_HOPS, type PipelineHop } from '@xtrader/protocol';

/** Cumulative bucket counts of one hop, by upper bound in seconds (Infinity last). */
type Buckets = Map<number, number>;

const BUCKET_LINE = new RegExp(`^${HOP_METRIC}_bucket\\{(.*)\\} (\\S+)$`);

/** The hop histograms in a Prometheus text exposition, by hop. */
export function parseHopBuckets(text: string): Map<PipelineHop, Buckets> {
  const out = new Map<PipelineHop, Buckets>();
  for (const line of text.split('\n')) {
    const m = BUCKET_LINE.exec(line);
    if (!m) continue;
    const hop = /hop="([^"]*)"/.exec(m[1])?.[1] as PipelineHop | undefined;
    const le = /le="([^"]*)"/.exec(m[1])?.[1];
    if (!hop || !le || !PIPELINE_HOPS.includes(hop)) continue;
    const buckets = out.get(hop) ?? new Map<number, number>();
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(m[2]));
    out.set(hop, buckets);
  }
  return out;
}

/** The hop histograms of every process together (a process that does not answer counts nothing). */
export async function scrapeHops(urls: string[]): Promise<Map<PipelineHop, Buckets>> {
  const texts = await Promise.all(urls.map((u) => fetch(u).then((r) => (r.ok ? r.text() : ''), () => '')));
  const total = new Map<PipelineHop, Buckets>();
  for (const [hop, buckets] of texts.flatMap((t) => [...parseHopBuckets(t)])) {
    const sum = total.get(hop) ?? new Map<number, number>();
    for (const [bound, n] of buckets) sum.set(bound, (sum.get(bound) ?? 0) + n);
    total.set(hop, sum);
  }
  return total;
}

export interface HopRow {
  hop: PipelineHop;
  count: number;
  /** Upper bounds of the buckets holding each percentile, in ms (Infinity: beyond the last bound). */
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
}

/** Per-hop percentiles of what the histograms counted between two scrapes. */
export function hopTable(before: Map<PipelineHop, Buckets>, after: Map<PipelineHop, Buckets>): HopRow[] {
  return PIPELINE_HOPS.map((hop) => {
    const a = after.get(hop) ?? new Map<number, number>();
    const b = before.get(hop);
    const bounds = [...a.keys()].sort((x, y) => x - y);
    const cum = bounds.map((bound) => (a.get(bound) ?? 0) - (b?.get(bound) ?? 0));
    const count = cum[cum.length - 1] ?? 0;
    const at = (q: number) => {
      if (count === 0) return 0;
      const i = cum.findIndex((n) => n >= q * count);
      return bounds[i] === Infinity ? Infinity : Math.round(bounds[i] * 1000 * 10) / 10;
    };
    return { hop, count, p50_ms: at(0.5), p99_ms: at(0.99), p999_ms: at(0.999) };
  });
}

/** The table as text lines. */
export function formatHopTable(rows: HopRow[]): string[] {
  const ms = (v: number) => (v === Infinity ? '>10000' : `<=${v}`);
  return [
    'per hop (each process /metrics, xt_pipeline_hop_seconds; bucket upper bounds in ms, clocks are ms):',
    `  ${'hop'.padEnd(28)} ${'n'.padStart(8)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'p99.9'.padStart(8)}`,
    ...rows.map((r) => `  ${r.hop.padEnd(28)} ${String(r.count).padStart(8)} ${ms(r.p50_ms).padStart(8)} ${ms(r.p99_ms).padStart(8)} ${ms(r.p999_ms).padStart(8)}`),
  ];
}
