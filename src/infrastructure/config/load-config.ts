import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { load as parseYaml } from 'js-yaml';
import { alarmSinkProblems } from './alarm-sinks-check.js';
import { AppConfig } from './config-schema.js';

/** Start-up configuration is wrong; the message names every offending field. */
export class ConfigError extends Error {
  readonly code = 'CONFIG.INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Environment overrides: `AIOPS__ENGINE__AUTH__PASSWORD=…` sets `engine.auth.password`. Segments match the
 * schema's keys case-insensitively (env names are upper case by habit); values are parsed as YAML scalars, so
 * `AIOPS__KAFKA__BROKERS=[a:1,b:2]` and `AIOPS__ENGINE__GZIP=false` work. An unknown path is an error.
 */
export function applyEnvOverrides(target: Plain, env: NodeJS.ProcessEnv, problems: string[]): void {
  const template = JSON.parse(JSON.stringify(new AppConfig())) as Plain;
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('AIOPS__') || raw === undefined) continue;
    const segments = name.slice('AIOPS__'.length).split('__');
    let node: Plain = target;
    let shape: unknown = template;
    const path: string[] = [];
    for (const [i, seg] of segments.entries()) {
      const key = isPlain(shape) ? Object.keys(shape).find((k) => k.toLowerCase() === seg.toLowerCase()) : undefined;
      if (key === undefined || !isPlain(shape)) {
        problems.push(`${name}: no configuration field ${[...path, seg.toLowerCase()].join('.')}`);
        break;
      }
      path.push(key);
      shape = shape[key];
      if (i === segments.length - 1) {
        node[key] = raw === '' ? '' : parseYaml(raw);
      } else {
        if (!isPlain(node[key])) node[key] = {};
        node = node[key] as Plain;
      }
    }
  }
}

const flatten = (errors: ValidationError[], prefix = ''): string[] =>
  errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => `${path}: ${m.replace(`${e.property} `, '')}`);
    return [...own, ...flatten(e.children ?? [], path)];
  });

/**
 * Reads YAML (optional), applies environment overrides, validates. Throws ConfigError naming each bad field.
 * `forTool`: a command that only reads Redis (dead letters, catalog) needs no engine password.
 */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Plain; forTool?: boolean } = {}): AppConfig {
  const problems: string[] = [];
  let plain: Plain = {};
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new ConfigError([`config file ${opts.file}: ${(err as Error).message}`]);
    }
    const parsed = parseYaml(text);
    if (parsed !== undefined && parsed !== null && !isPlain(parsed)) throw new ConfigError([`config file ${opts.file}: top level must be a mapping`]);
    plain = (parsed as Plain | null) ?? {};
  }
  applyEnvOverrides(plain, opts.env ?? process.env, problems);
  mergeInto(plain, opts.overrides ?? {});
  const config = plainToInstance(AppConfig, plain, { exposeDefaultValues: true });
  problems.push(...flatten(validateSync(config, { whitelist: true, forbidNonWhitelisted: true })));
  if (config.forward.lowWater >= config.forward.highWater) problems.push('forward.lowWater: must be below forward.highWater');
  config.api.keys.forEach((k, i) => {
    if ((k.key === undefined) === (k.keyHash === undefined)) problems.push(`api.keys[${i}]: give exactly one of key and keyHash`);
  });
  if (new Set(config.api.keys.map((k) => k.name)).size !== config.api.keys.length) problems.push('api.keys: names must be unique');
  if (config.api.trends.minStepSeconds > config.api.trends.maxStepSeconds) problems.push('api.trends.minStepSeconds: must not exceed maxStepSeconds');
  if (!opts.forTool && config.engine.auth.password === '') problems.push('engine.auth.password: must be set (AIOPS__ENGINE__AUTH__PASSWORD)');
  problems.push(...alarmSinkProblems(config.alarms.sinks));
  if (config.projections.renewEveryMs * 3 > config.projections.leaseTtlMs) problems.push('projections.renewEveryMs: must be at most a third of projections.leaseTtlMs');
  if (config.projections.backoffBaseMs > config.projections.backoffMaxMs) problems.push('projections.backoffBaseMs: must not exceed projections.backoffMaxMs');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function mergeInto(target: Plain, source: Plain): void {
  for (const [k, v] of Object.entries(source)) {
    if (isPlain(v) && isPlain(target[k])) mergeInto(target[k] as Plain, v);
    else target[k] = v;
  }
}

/** Paths whose values never reach a log line (pino `redact`). */
export const SECRET_PATHS = [
  'password',
  'token',
  'secret',
  '*.secret',
  '*.*.secret',
  '*.*.*.secret',
  'config.alarms.sinks.webhook.secret',
  '*.password',
  '*.token',
  '*.*.password',
  '*.*.*.password',
  'config.engine.auth.password',
  'config.allowlist.nacos.password',
  'config.api.keys[*].key',
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
];
