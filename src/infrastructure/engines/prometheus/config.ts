export interface PrometheusConfig {
  /** e.g. http://127.0.0.1:19090 */
  readonly url: string;
  /** The directory Prometheus loads rule files from; this bridge writes `<ruleSet>.yml` there. */
  readonly rulesDir: string;
  /** Names this bridge's rule file, its record and the `aiops_ruleset` label (default `aiops-bridge`). */
  readonly ruleSet?: string;
  /** `promtool` binary for validating generated rules; false: no validation (default `promtool` on PATH). */
  readonly promtool?: string | false;
  readonly timeoutMs?: number;
  /** Most samples per remote-write request (default 5000). */
  readonly maxSamplesPerRequest?: number;
  /** Extra headers on every request (e.g. Authorization for a Prometheus behind a proxy). Never logged. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ResolvedPrometheusConfig {
  readonly url: string;
  readonly rulesDir: string;
  readonly ruleSet: string;
  readonly promtool: string | false;
  readonly timeoutMs: number;
  readonly maxSamplesPerRequest: number;
  readonly headers: Readonly<Record<string, string>>;
}

const RULE_SET = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/;

export const resolvePrometheusConfig = (c: PrometheusConfig): ResolvedPrometheusConfig => ({
  url: c.url,
  rulesDir: c.rulesDir,
  // A file name and a label value: kept to a plain name so neither needs escaping.
  ruleSet: RULE_SET.test(c.ruleSet ?? 'aiops-bridge') ? (c.ruleSet ?? 'aiops-bridge') : badRuleSet(c.ruleSet ?? ''),
  promtool: c.promtool ?? 'promtool',
  timeoutMs: c.timeoutMs ?? 15_000,
  maxSamplesPerRequest: c.maxSamplesPerRequest ?? 5000,
  headers: c.headers ?? {},
});

function badRuleSet(name: string): never {
  throw new TypeError(`engine.prometheus.ruleSet ${JSON.stringify(name)}: use letters, digits, '_' and '-' (at most 64)`);
}
