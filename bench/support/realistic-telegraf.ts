/**
 * Realistic Telegraf traffic for the benchmarks (decode, ingest, peers): what Telegraf's own inputs emit for a
 * fleet of 200 hosts, in the order a gather round writes them.
 *
 * Per host and round: 9 `cpu` lines (cpu0…cpu7 + cpu-total, 9 fields), `mem` (8), `disk` × 3 (7 fields, 5 tags),
 * `net` × 2 (8), `system` (6), then 4 business measurements of the 3,000 `biz_<domain>_svc<i>` (6 fields; tags env,
 * host, instance, region, service). Tags sorted as Telegraf sorts them, fields in Go map order (shuffled per line,
 * `influx_sort_fields = false`), nanosecond timestamps, integers with the `i` suffix. 20 % of lines are business
 * lines; lines average ~238 bytes with 5–6 tags and 6–9 fields (7.8 on average). A fixed seed makes every run
 * produce the same bytes, so figures stay comparable across commits.
 */
import type { AllowlistEntry } from '../../src/domain/allowlist/allowlist-spec.js';

export interface Shape {
  readonly measurement: string;
  readonly fields: readonly string[];
  /** Tag text for one line, given the host's tags. */
  readonly tags: (host: string) => string;
}

const REGIONS = ['cn-north-1', 'cn-east-2', 'eu-west-1'];
const DOMAINS = ['order', 'payment', 'cart', 'search', 'login'];
const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

export class RealisticTelegraf {
  #seed: number;
  readonly hosts: readonly string[];
  readonly system: readonly Shape[];
  /** The 3,000 business measurements. */
  readonly business: readonly Shape[];
  /** The four business measurements each host reports after its system plugins. */
  readonly services: readonly (readonly Shape[])[];

  constructor(seed = 42) {
    this.#seed = seed;
    // The order of the random draws below is part of the traffic's definition: keep it.
    this.hosts = range(200, (i) => `,host=web-${String(i).padStart(3, '0')}.prod.example.com,region=${this.pick(REGIONS)}`);
    this.system = [
      ...range(8, (i) => `cpu${i}`).map(cpu),
      cpu('cpu-total'),
      { measurement: 'mem', fields: ['total', 'available', 'used', 'free', 'cached', 'buffered', 'used_percent', 'available_percent'], tags: (host) => host },
      ...['sda1', 'sdb1', 'sdc1'].map(disk),
      ...['eth0', 'eth1'].map(net),
      { measurement: 'system', fields: ['load1', 'load5', 'load15', 'n_cpus', 'n_users', 'uptime'], tags: (host) => host },
    ];
    this.business = range(3000, (i) => `biz_${this.pick(DOMAINS)}_svc${i}`).map((measurement) => ({
      measurement,
      fields: ['latency_ms', 'requests', 'errors', 'queue_depth', 'success_rate', 'saturation'],
      tags: (host: string) => `,env=prod${host},instance=pod-${Math.floor(this.random() * 50)},service=${measurement.slice(4)}`,
    }));
    this.services = this.hosts.map(() => range(4, () => this.pick(this.business)));
  }

  /** mulberry32. */
  random(): number {
    this.#seed = (this.#seed + 0x6d2b79f5) | 0;
    let t = Math.imul(this.#seed ^ (this.#seed >>> 15), 1 | this.#seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)] as T;
  }

  /**
   * A start for `count` lines whose last gather round is a minute ago: every timestamp stays inside the point
   * rules' window (not more than 1 h ahead), however many lines a run asks for. A fixed "an hour ago" would run
   * ahead of the clock past ~2.8 M lines, and the bench would then measure quarantining, not ingesting.
   */
  startFor(count: number, nowMs = Date.now()): number {
    const perRound = this.hosts.reduce((n, _, h) => n + this.system.length + (this.services[h]?.length ?? 0), 0);
    return nowMs - Math.ceil(count / perRound) * 10_000 - 60_000;
  }

  /** `count` lines: gather rounds of every host, 10 s apart from `startMs`. */
  lines(count: number, startMs: number): string[] {
    return [...this.iterate(count, startMs)];
  }

  /** The same lines as `lines`, one at a time (a large topic need not be held in memory). */
  *iterate(count: number, startMs: number): Generator<string> {
    let n = 0;
    for (let round = 0; n < count; round++) {
      for (let h = 0; h < this.hosts.length; h++) {
        const host = this.hosts[h] as string;
        for (const shape of [...this.system, ...(this.services[h] ?? [])]) {
          if (n++ === count) return;
          yield this.line(shape, host, startMs + round * 10_000);
        }
      }
    }
  }

  line(shape: Shape, host: string, tsMs: number): string {
    const fields = shape.fields.map((f) => `${f}=${this.value(f)}`);
    for (let i = fields.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [fields[i], fields[j]] = [fields[j] as string, fields[i] as string];
    }
    return `${shape.measurement}${shape.tags(host)} ${fields.join(',')} ${tsMs}000000`;
  }

  value(field: string): string {
    const r = this.random();
    if (field.startsWith('n_') || field.endsWith('total') || field === 'requests' || field.startsWith('packets')) return `${Math.floor(r * 1e9)}i`;
    return (r * 100).toFixed(3);
  }

  /**
   * 10,000 measurement names, every field: the first 1,500 business measurements (half of the business lines,
   * so ~10 % of all lines pass) and 8,500 names of services that send nothing here. Usable as Telegraf's
   * `namepass` as it is, which is how the peers benchmark gives both contestants the same list.
   */
  allowlistedMeasurements(): string[] {
    const names = this.business.slice(0, 1500).map((s) => s.measurement);
    for (let i = 0; names.length < 10_000; i++) names.push(`biz_legacy_svc${i}`);
    return names;
  }

  /** The decode benchmark's list: 4 of the 6 fields of the first 2,500 business measurements, plus 10 globs. */
  fieldAllowlist(): AllowlistEntry[] {
    const entries: AllowlistEntry[] = [];
    for (const shape of this.business.slice(0, 2500)) for (const field of shape.fields.slice(0, 4)) entries.push({ measurement: shape.measurement, fields: [field] });
    entries.length = 10_000 - 10;
    for (let i = 0; i < 10; i++) entries.push({ measurement: `legacy_${i}_*`, fields: ['value'], tags: { env: '!staging' } });
    return entries;
  }
}

function cpu(n: string): Shape {
  return {
    measurement: 'cpu',
    fields: ['usage_idle', 'usage_user', 'usage_system', 'usage_iowait', 'usage_irq', 'usage_softirq', 'usage_steal', 'usage_guest', 'usage_nice'],
    tags: (host) => `,cpu=${n}${host}`,
  };
}
function disk(device: string): Shape {
  return {
    measurement: 'disk',
    fields: ['total', 'free', 'used', 'used_percent', 'inodes_total', 'inodes_free', 'inodes_used'],
    tags: (host) => `,device=${device},fstype=ext4${host},mode=rw,path=/data/${device}`,
  };
}
function net(nic: string): Shape {
  return {
    measurement: 'net',
    fields: ['bytes_sent', 'bytes_recv', 'packets_sent', 'packets_recv', 'err_in', 'err_out', 'drop_in', 'drop_out'],
    tags: (host) => `${host},interface=${nic}`,
  };
}
