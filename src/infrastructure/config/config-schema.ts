import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  Matches,
  MinLength,
  ValidateNested,
} from 'class-validator';

import { DEFAULT_FULL_LINES_OF_DROPPED_MEASUREMENTS, DEFAULT_LINE_LIMITS, DEFAULT_MESSAGE_LIMITS } from '../../application/ingest/ingest-defaults.js';

// Decorated classes are the config's schema: class-validator names the failing field, the composition root
// gets a fully typed object. Nested classes carry @Type explicitly (tsx/esbuild emit no design:type metadata).

export class RedisConfig {
  @IsString() @MinLength(1) url = 'redis://127.0.0.1:16379';
  /** Every key and queue name this service writes starts with this; replicas of one fleet share it. */
  @IsString() @MinLength(1) keyPrefix = 'aiops';
  /**
   * When an enqueued batch counts as durable, so that its Kafka offsets may be committed:
   * `fsync` — the queue's Redis runs `appendonly yes` + `appendfsync always` (its reply comes after the fsync);
   * checked at start, a Redis that acknowledges before the fsync is reported (log error, status,
   * `aiops_queue_durable 0`). `replica` — after each enqueue `WAIT` for `waitReplicas` replicas within
   * `enqueueTimeoutMs`, else the enqueue fails and nothing is committed. `off` — Redis's acknowledgement alone.
   */
  @IsIn(['fsync', 'replica', 'off']) queueDurability: 'fsync' | 'replica' | 'off' = 'fsync';
  @IsInt() @Min(1) waitReplicas = 1;
  /** Longest an enqueue may take (Redis down or failing over): then it fails, the points stay held, the consumer pauses. */
  @IsInt() @Min(100) enqueueTimeoutMs = 5_000;
}

export class KafkaConfig {
  @IsArray() @ArrayMinSize(1) @IsString({ each: true }) brokers: string[] = ['127.0.0.1:19092'];
  @IsString() @MinLength(1) topic = 'telegraf';
  @IsString() @MinLength(1) groupId = 'aiops-bridge';
  @IsString() @MinLength(1) clientId = 'aiops-bridge';
  @IsBoolean() fromBeginning = true;
  @IsIn(['auto', 'influx', 'json']) format: 'auto' | 'influx' | 'json' = 'auto';
  @IsIn(['ns', 'us', 'ms', 's']) precision: 'ns' | 'us' | 'ms' | 's' = 'ns';
  /** Unit of numeric Telegraf JSON timestamps: the producer's `json_timestamp_units` (Telegraf's default 1s). */
  @IsIn(['1s', '1ms', '1us', '1ns']) jsonTimestampUnits: '1s' | '1ms' | '1us' | '1ns' = '1s';
  /**
   * kafkajs fetch size per partition (a fetch takes at most 4× this over all partitions). Measured with
   * bench/ingest.ts: 1 MiB keeps the same throughput as 4 MiB (a fetch is still ~10,000 Telegraf lines per
   * partition) with ~50 MB less peak RSS, since each fetch response stays in memory until its batch is done.
   */
  @IsInt() @Min(1024) maxBytesPerPartition = 1024 * 1024;
  @IsInt() @Min(1) partitionsConsumedConcurrently = 1;
  /**
   * How long the broker holds a fetch when there is nothing new. Data is answered at once whatever this is; it
   * bounds how long a stop waits for the in-flight fetch, and how long kafkajs sleeps while every partition is
   * paused, i.e. the delay of a backpressure resume (kafkajs's 5-s default cost 5 s on each of both).
   */
  @IsInt() @Min(10) @Max(30_000) maxWaitTimeMs = 1_000;
}

/**
 * Bounds on one Kafka message and its lines, against hostile or broken producers (docs/architecture.md, "Bad
 * input"). A message over a message bound is refused whole and quarantined; a line over a line bound is a bad
 * line. Defaults sit well above anything Telegraf writes.
 */
export class IngestLimitsConfig {
  /** `message_too_large`; Kafka's own default message.max.bytes is 1 MiB. */
  @IsInt() @Min(1024) maxMessageBytes = DEFAULT_MESSAGE_LIMITS.maxMessageBytes;
  /** `too_many_lines` (JSON: metrics). */
  @IsInt() @Min(1) maxLinesPerMessage = DEFAULT_MESSAGE_LIMITS.maxLinesPerMessage;
  /** `too_many_fields`: each field is a point that repeats the line's tags in the forward job. */
  @IsInt() @Min(1) maxFieldsPerLine = DEFAULT_LINE_LIMITS.maxFieldsPerLine;
  /** `too_many_tags`. */
  @IsInt() @Min(0) maxTagsPerLine = DEFAULT_LINE_LIMITS.maxTagsPerLine;
  /** `name_too_long`: measurement or field key, in characters (a line-protocol field key: bytes as written). */
  @IsInt() @Min(1) maxNameLength = DEFAULT_LINE_LIMITS.maxNameLength;
  /** `too_deep`: JSON objects/arrays nested deeper (Telegraf's own JSON is 4 deep). */
  @IsInt() @Min(4) @Max(10_000) maxJsonDepth = DEFAULT_LINE_LIMITS.maxJsonDepth;
}

/**
 * What a point that passed the allowlist must satisfy to be batched: the engine refuses a batch all-or-none, so
 * a point it would refuse is dropped here (catalog `invalid_point`, quarantined with its reason).
 */
export class PointRulesConfig {
  /** Earliest accepted timestamp (`ts_out_of_window`): a `0` or a seconds-as-milliseconds stamp lands before it. */
  @IsISO8601({ strict: true }) notBefore = '2000-01-01T00:00:00Z';
  /** How far ahead of the receive time a point may be stamped (`ts_out_of_window`). */
  @IsInt() @Min(0) maxAheadMs = 3_600_000;
  /** The engine's limits (ENGINE-API: metric ≤ 256 characters); `metric_name_too_long`, `tags_too_large`. */
  @IsInt() @Min(1) maxMetricNameLength = 256;
  @IsInt() @Min(0) maxTagsPerPoint = 64;
  @IsInt() @Min(1) maxTagKeyLength = 128;
  @IsInt() @Min(1) maxTagValueLength = 256;
}

export class IngestConfig {
  @ValidateNested() @Type(() => IngestLimitsConfig) limits = new IngestLimitsConfig();
  @ValidateNested() @Type(() => PointRulesConfig) points = new PointRulesConfig();
  /**
   * Lines of a measurement that no allowlist entry can pass which are decoded in full per tally interval (5 s);
   * its later lines in the interval are counted and passed over unread, and the catalog counts their fields in
   * the proportion the full lines showed. 0: every line is decoded in full (exact catalog counts and bad-line
   * reasons for dropped measurements too, at several times the CPU per dropped line).
   */
  @IsInt() @Min(0) fullLinesOfDroppedMeasurements = DEFAULT_FULL_LINES_OF_DROPPED_MEASUREMENTS;
  /**
   * Bad lines (and refused points) written to the quarantine per second and replica, at most; the rest of a flood is
   * counted (`aiops_quarantine_skipped_total`) but its raw text not kept. No more are written while ten seconds'
   * worth are still being written (Redis slow or away).
   */
  @IsInt() @Min(1) quarantinePerSecond = 1_000;
}

export class NacosConfig {
  @IsString() @MinLength(1) serverAddr = '127.0.0.1:18848';
  @IsString() namespace = '';
  @IsString() @MinLength(1) group = 'DEFAULT_GROUP';
  @IsString() @MinLength(1) dataId = 'metrics-allowlist.yaml';
  // Defaults, not optional fields: an environment override must find the key in the defaults' shape
  // (AIOPS__ALLOWLIST__NACOS__PASSWORD). Empty means no authentication.
  @IsString() username = '';
  @IsString() password = '';
  /** Last version that passed validation, used when Nacos is unreachable at start. */
  @IsString() @MinLength(1) snapshotPath = '.cache/allowlist-snapshot.yaml';
  /** Budget of one ordinary Nacos request, retries included: how long a start waits before using the snapshot. */
  @IsInt() @Min(100) requestTimeoutMs = 5_000;
  /** Pause after a failed Nacos request before the next attempt (while Nacos is down). */
  @IsInt() @Min(10) retryPauseMs = 1_000;
}

export class AllowlistConfig {
  @IsIn(['nacos', 'file']) source: 'nacos' | 'file' = 'file';
  @IsString() @MinLength(1) file = 'deploy/local/metrics-allowlist.yaml';
  @ValidateNested() @Type(() => NacosConfig) nacos = new NacosConfig();
}

export class BatchConfig {
  /** The engine accepts at most 5000 items per request: one job is one request when this matches. */
  @IsInt() @Min(1) @Max(100_000) maxPoints = 5000;
  @IsInt() @Min(1024) maxBytes = 3 * 1024 * 1024;
  @IsInt() @Min(1) @Max(60_000) maxLingerMs = 1000;
  /**
   * Full batches whose enqueue (and the commit after it) may still be under way while ingest decodes the next
   * messages (0: every full batch is awaited before the next message). Bounds the memory held for Redis.
   */
  @IsInt() @Min(0) @Max(16) flushesInFlight = 2;
}

export class ForwardConfig {
  @IsInt() @Min(1) @Max(256) concurrency = 8;
  /**
   * Tries per batch before it becomes a dead letter, for retryable failures (5xx, timeouts; 429s and an open
   * breaker spend none). 20 makes a dead letter from random faults negligible even at a 30% failure rate with
   * logins failing too (≈ 0.35^20), and spans ~7–14 min of backoff; a longer outage opens the breaker instead.
   */
  @IsInt() @Min(1) @Max(100) attempts = 20;
  @IsInt() @Min(10) backoffBaseMs = 500;
  @IsInt() @Min(100) backoffMaxMs = 60_000;
  /** Backpressure: pause Kafka when this many batches wait in Redis, resume under lowWater. */
  @IsInt() @Min(1) highWater = 200;
  @IsInt() @Min(0) lowWater = 100;
  /**
   * Dead letters (failed jobs) kept at most: they hold Redis memory too. At the cap ingest pauses and an alarm is
   * raised (log line, `aiops_forward_dead_letters_full`, status); nothing is ever evicted to make room.
   */
  @IsInt() @Min(1) deadLetterCap = 1_000;
  /** Most requests spent bisecting a batch the engine refused for its content, to isolate the bad points. */
  @IsInt() @Min(2) isolateMaxRequests = 100;
}

export class EngineAuthConfig {
  @IsIn(['bearer', 'cookie']) mode: 'bearer' | 'cookie' = 'bearer';
  @IsString() @MinLength(1) username = 'admin';
  /** Required to serve (checked by loadConfig); tools that only read Redis run without it. */
  @IsString() password = '';
}

/** Prometheus as the analysis engine (engine.kind: prometheus); see docs/architecture.md "The engine is replaceable". */
export class PrometheusEngineConfig {
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }) url = 'http://127.0.0.1:19090';
  /** The directory Prometheus's `rule_files` glob reads; the bridge writes `<ruleSet>.yml` and its record there. */
  @IsString() @MinLength(1) rulesDir = '.cache/run/prometheus-rules';
  /** Names this fleet's rule file and labels its alerts (one Prometheus may serve several fleets). */
  @Matches(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/) ruleSet = 'aiops-bridge';
  /** promtool binary that validates each generated file before the reload; empty: no validation. */
  @IsString() promtool = 'promtool';
  /** Most samples per remote-write request. */
  @IsInt() @Min(1) @Max(100_000) maxSamplesPerRequest = 5000;
}

export const ENGINE_KINDS = ['shuzhihui', 'prometheus'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

/**
 * Where each engine endpoint lives, when the real engine's paths differ from ENGINE-API.md (defaults: the 数智慧
 * adapter's DEFAULT_PATHS). `rule` must contain `{ruleId}`.
 */
export class EnginePathsConfig {
  @IsOptional() @Matches(/^\//, { message: 'must be a path starting with /' }) login?: string;
  @IsOptional() @Matches(/^\//, { message: 'must be a path starting with /' }) metricsBatch?: string;
  @IsOptional() @Matches(/^\//, { message: 'must be a path starting with /' }) trend?: string;
  @IsOptional() @Matches(/^\//, { message: 'must be a path starting with /' }) rulesPage?: string;
  @IsOptional() @Matches(/^\//, { message: 'must be a path starting with /' }) rules?: string;
  @IsOptional() @Matches(/^\/.*\{ruleId\}/, { message: 'must be a path starting with / and containing {ruleId}' }) rule?: string;
  @IsOptional() @Matches(/^\//, { message: 'must be a path starting with /' }) alarmsCurrentPage?: string;
  @IsOptional() @Matches(/^\//, { message: 'must be a path starting with /' }) alarmsHistoryPage?: string;
}

export class EngineConfig {
  /** Which analysis engine the bridge talks to; `baseUrl`/`auth`/`gzip` are 数智慧's, `prometheus` Prometheus's. */
  @IsIn(ENGINE_KINDS) kind: EngineKind = 'shuzhihui';
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }) baseUrl = 'http://127.0.0.1:18080';
  @ValidateNested() @Type(() => EngineAuthConfig) auth = new EngineAuthConfig();
  @IsInt() @Min(100) timeoutMs = 15_000;
  @IsBoolean() gzip = true;
  /**
   * zlib level of that gzip. 1 (default): a 5,000-point batch in ~2.5 ms for ~14 % more bytes than level 6's
   * ~7.5 ms, which at 100 calls/s would be most of a core on the forward side.
   */
  @IsInt() @Min(1) @Max(9) gzipLevel = 1;
  /** Fleet-wide cap on engine calls per second (all replicas together). */
  @IsNumber() @Min(1) rateLimitPerSecond = 100;
  /** After refused credentials no login for this long, doubled per refusal in a row up to the maximum. */
  @IsInt() @Min(10) loginBackoffBaseMs = 1_000;
  @IsInt() @Min(10) loginBackoffMaxMs = 60_000;
  @ValidateNested() @Type(() => PrometheusEngineConfig) prometheus = new PrometheusEngineConfig();
  @ValidateNested() @Type(() => EnginePathsConfig) paths = new EnginePathsConfig();
}

export class BreakerConfig {
  @IsInt() @Min(1) errorThresholdPercentage = 50;
  @IsInt() @Min(1) volumeThreshold = 10;
  @IsInt() @Min(100) resetTimeoutMs = 10_000;
  @IsInt() @Min(100) rollingCountTimeoutMs = 10_000;
  /** Systemic refusals in a row (credentials, a gateway's 401/403/404, HTML under 200) that open the breaker. */
  @IsInt() @Min(1) systemicThreshold = 5;
}

export class HttpConfig {
  @IsString() host = '127.0.0.1';
  @IsInt() @Min(0) @Max(65535) port = 8088;
  /** How often each replica writes its pipeline figures for the console's sparklines (docs/architecture.md, Console). */
  @IsInt() @Min(100) @Max(60_000) sampleEveryMs = 10_000;
}

export const API_SCOPES = ['read', 'write', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/**
 * One API key. Give `keyHash` (hex sha256 of the key: the file then holds no secret) or `key` (the secret itself,
 * best from the environment: `AIOPS__API__KEYS='[{name: ci, key: …, scopes: [read]}]'`); exactly one of them.
 */
export class ApiKeyConfig {
  /** Names the caller in logs and in the metadata of every event it causes (the actor). */
  @IsString() @Matches(/^[A-Za-z0-9_.@-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ . @ -' }) name = '';
  @IsOptional() @IsString() @MinLength(16) key?: string;
  @IsOptional() @Matches(/^[0-9a-f]{64}$/, { message: 'must be the hex sha256 of the key (64 lower-case hex digits)' }) keyHash?: string;
  /** `admin` includes `write`, `write` includes `read`. */
  @IsArray() @ArrayMinSize(1) @IsIn(API_SCOPES, { each: true }) scopes: ApiScope[] = [];
}

export class ApiRateLimitConfig {
  /** Requests per key per window, shared by every replica (Redis). */
  @IsInt() @Min(1) points = 100;
  @IsInt() @Min(1) @Max(3600) durationSeconds = 1;
}

export class TrendApiConfig {
  /** Most points one response may hold: a longer range needs a larger step. */
  @IsInt() @Min(10) @Max(10_000) maxPoints = 1_500;
  @IsInt() @Min(1) minStepSeconds = 10;
  @IsInt() @Min(1) maxStepSeconds = 86_400;
  /** How long a trend answer is shared (Redis, all replicas); short, since the newest bucket still fills. */
  @IsInt() @Min(100) @Max(600_000) cacheTtlMs = 5_000;
}

export class ApiConfig {
  @IsArray() @ValidateNested({ each: true }) @Type(() => ApiKeyConfig) keys: ApiKeyConfig[] = [];
  /** Largest request body accepted (JSON or YAML), in bytes. */
  @IsInt() @Min(1024) @Max(16 * 1024 * 1024) bodyLimitBytes = 1024 * 1024;
  @ValidateNested() @Type(() => ApiRateLimitConfig) rateLimit = new ApiRateLimitConfig();
  @ValidateNested() @Type(() => TrendApiConfig) trends = new TrendApiConfig();
  /** More BullMQ queues (names, same key prefix) shown in the dashboard beside `forward`. */
  @IsArray() @IsString({ each: true }) dashboardQueues: string[] = [];
  /** Check every response against docs/openapi.yaml too (the test configuration; costs CPU in production). */
  @IsBoolean() validateResponses = false;
  /** How often the engine's rules are converged to ours (also after every rule write); 0: only on writes. */
  @IsInt() @Min(0) rulesReconcileEveryMs = 30_000;
  /** Longest wait for in-flight requests at a stop before their connections are cut. */
  @IsInt() @Min(0) drainTimeoutMs = 10_000;
}

export class WebhookSinkConfig {
  @IsBoolean() enabled = false;
  /** The alarm platform's receiving URL; required when enabled (checked by loadConfig). */
  @IsString() url = '';
  /** Standard Webhooks secret `whsec_<base64>`; set it by AIOPS__ALARMS__SINKS__WEBHOOK__SECRET. Never logged. */
  @IsString() secret = '';
  /** CloudEvents `source`: names this fleet to the receiver. */
  @IsString() @MinLength(1) source = 'urn:aiops-bridge:local';
  /** Reverse-DNS prefix of the CloudEvents `type` (`<prefix>.alarm.raised`). */
  @Matches(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, { message: 'must be a reverse-DNS name such as com.example.aiops' })
  typePrefix = 'com.aiops-bridge';
  @IsInt() @Min(100) @Max(120_000) timeoutMs = 10_000;
}

export class AlertmanagerSinkConfig {
  @IsBoolean() enabled = false;
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }) url = 'http://127.0.0.1:19193';
  /** A firing alert's `endsAt` lease is this × the alarm poll interval; refreshes come every poll interval. */
  @IsNumber() @Min(2) @Max(100) leaseMultiplier = 4;
  @IsInt() @Min(100) @Max(120_000) timeoutMs = 10_000;
  /** `generatorURL` of each alert; `{alarmId}` is replaced by the alarm id. Empty: none. */
  @IsString() generatorUrlTemplate = '';
}

export class AlarmSinksConfig {
  @ValidateNested() @Type(() => WebhookSinkConfig) webhook = new WebhookSinkConfig();
  @ValidateNested() @Type(() => AlertmanagerSinkConfig) alertmanager = new AlertmanagerSinkConfig();
}

/** Flow 2: the fleet-wide alarm poll (docs/architecture.md, "Flow 2"). */
export class AlarmsConfig {
  /** One poll per this interval for the whole fleet, however many replicas run the `poll` role. */
  @IsInt() @Min(100) pollIntervalMs = 10_000;
  @ValidateNested() @Type(() => AlarmSinksConfig) sinks = new AlarmSinksConfig();
  /** K: consecutive complete snapshots without an alarm before it is resolved by absence. */
  @IsInt() @Min(1) @Max(100) absentLimit = 3;
  /** History windows start this much before the previous one ended (the engine stamps recoveries with data time). */
  @IsInt() @Min(0) historyOverlapMs = 60_000;
  /** A history window never reaches further back than this. */
  @IsInt() @Min(1_000) maxHistoryWindowMs = 3_600_000;
  /** Alarm commands run at once within one poll (one command per alarm per poll). */
  @IsInt() @Min(1) @Max(256) concurrency = 8;
}

/** The projection runners (`projections` role): alarm-view and one alarm-delivery per enabled sink. */
export class ProjectionsConfig {
  /** Events read from the log per page (one checkpoint write per page at most). */
  @IsInt() @Min(1) @Max(10_000) pageSize = 500;
  /** A dead replica's projections are taken over after at most this (+ acquireRetryMs): 10 s + 1 s < 15 s. */
  @IsInt() @Min(500) @Max(120_000) leaseTtlMs = 10_000;
  /** Must be well below leaseTtlMs (checked at start: at most a third of it). */
  @IsInt() @Min(100) renewEveryMs = 3_000;
  @IsInt() @Min(50) @Max(60_000) acquireRetryMs = 1_000;
  /** Pause when the log has nothing new: the delay between an append and its projection when idle. */
  @IsInt() @Min(10) @Max(60_000) idleMs = 200;
  /** Delivery retries: exponential from base to max with jitter, never sooner than the receiver's Retry-After. */
  @IsInt() @Min(10) backoffBaseMs = 500;
  @IsInt() @Min(100) backoffMaxMs = 60_000;
  /** How often a disabled sink (410 Gone) checks whether an operator enabled it again. */
  @IsInt() @Min(100) disabledRecheckMs = 5_000;
  /** How often lag, dead-letter and disabled-sink metrics are refreshed. */
  @IsInt() @Min(500) lagCheckMs = 5_000;
  /** Most alarms a query looks at per page (filters checked on the smallest index, text matched); then a short page and a cursor. */
  @IsInt() @Min(100) @Max(1_000_000) scanBudget = 5_000;
  /** `/readyz` says not ready while a projection's oldest unhandled event is older than this (seconds). */
  @IsInt() @Min(1) readyMaxLagSeconds = 120;
  /** Delivery records kept per alarm (one per sink and event, the newest outcome; the alarm timeline shows them). */
  @IsInt() @Min(1) @Max(10_000) deliveryRecordsPerAlarm = 200;
  /**
   * Days an alarm's delivery records live after their last write (0 = as long as Redis keeps them). 30 follows the
   * alarm retention designed in docs/architecture.md (resolved alarms archived after 30 days).
   */
  @IsInt() @Min(0) @Max(3_650) deliveryRecordsTtlDays = 30;
}

/**
 * `poll` and `projections` are not in the default roles: `poll` writes alarm events, so a deployment (or a test)
 * opts in to it, and delivering to the alarm platform is something a deployment turns on together with its sinks.
 */
export const ROLES = ['ingest', 'forward', 'api', 'poll', 'projections'] as const;
export type Role = (typeof ROLES)[number];
export const DEFAULT_ROLES: readonly Role[] = ['ingest', 'forward', 'api'];

export class AppConfig {
  @IsArray() @ArrayMinSize(1) @IsIn(ROLES, { each: true }) roles: Role[] = [...DEFAULT_ROLES];
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) logLevel = 'info';
  @ValidateNested() @Type(() => RedisConfig) redis = new RedisConfig();
  @ValidateNested() @Type(() => KafkaConfig) kafka = new KafkaConfig();
  @ValidateNested() @Type(() => IngestConfig) ingest = new IngestConfig();
  @ValidateNested() @Type(() => AllowlistConfig) allowlist = new AllowlistConfig();
  @ValidateNested() @Type(() => BatchConfig) batch = new BatchConfig();
  @ValidateNested() @Type(() => ForwardConfig) forward = new ForwardConfig();
  @ValidateNested() @Type(() => EngineConfig) engine = new EngineConfig();
  @ValidateNested() @Type(() => BreakerConfig) breaker = new BreakerConfig();
  @ValidateNested() @Type(() => HttpConfig) http = new HttpConfig();
  @ValidateNested() @Type(() => ApiConfig) api = new ApiConfig();
  @ValidateNested() @Type(() => AlarmsConfig) alarms = new AlarmsConfig();
  @ValidateNested() @Type(() => ProjectionsConfig) projections = new ProjectionsConfig();
}
