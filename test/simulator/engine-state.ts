import { Accounting } from './accounting.js';
import { AlarmBook } from './alarms.js';
import { TokenStore, type AuthMode } from './auth.js';
import { evaluate } from './detection.js';
import { FaultInjector } from './faults.js';
import { matchesTagFilter, MetricsStore } from './metrics-store.js';
import { seededRandom, type Random } from './random.js';
import { RuleStore } from './rules.js';
import { noFaults } from './types.js';

export interface ResolvedOptions {
  port: number;
  host: string;
  authMode: AuthMode;
  username: string;
  password: string;
  tokenTtlSeconds: number;
  evaluateEveryMs: number;
  maxPointsPerSeries: number;
  randomSeed: number | undefined;
}

/** Everything the engine holds in memory. Routes read and change it; nothing here touches the network. */
export class EngineState {
  accounting = new Accounting();
  readonly metrics: MetricsStore;
  readonly rules = new RuleStore();
  readonly alarms = new AlarmBook();
  readonly tokens: TokenStore;
  readonly faults: FaultInjector;
  readonly random: Random;

  constructor(readonly options: ResolvedOptions) {
    this.metrics = new MetricsStore(options.maxPointsPerSeries);
    this.tokens = new TokenStore(options.authMode, options.tokenTtlSeconds);
    this.random = options.randomSeed === undefined ? Math.random : seededRandom(options.randomSeed);
    this.faults = new FaultInjector(this.random);
  }

  /** Runs every enabled rule over every series it selects; called on a timer and by /__sim/evaluate. */
  evaluateRules(): void {
    for (const rule of this.rules.list()) {
      if (rule.enabled !== 1) continue;
      for (const series of this.metrics.seriesOf(rule.metric)) {
        if (matchesTagFilter(series.tags, rule.tagFilter)) this.alarms.apply(rule, series, evaluate(rule, series));
      }
    }
  }

  /** Clears received data, counters, alarms and faults; rules survive with keepRules. Issued tokens stay valid. */
  reset(keepRules: boolean): void {
    this.accounting = new Accounting();
    this.metrics.clear();
    this.alarms.clear();
    if (!keepRules) this.rules.clear();
    this.faults.faults = noFaults();
  }
}
