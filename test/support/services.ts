/**
 * Where the local services started by deploy/local/services.sh listen. Every integration test reads its
 * addresses from here; the defaults match deploy/local/services.sh and can be moved with the same variables.
 */
const env = (name: string, fallback: string): string => process.env[name] ?? fallback;

export const services = {
  redisUrl: `redis://127.0.0.1:${env('AIOPS_REDIS_PORT', '16379')}`,
  redisPort: Number(env('AIOPS_REDIS_PORT', '16379')),
  kafkaBrokers: [`127.0.0.1:${env('AIOPS_KAFKA_PORT', '19092')}`],
  nacosAddr: `127.0.0.1:${env('AIOPS_NACOS_PORT', '18848')}`,
  nacosPort: Number(env('AIOPS_NACOS_PORT', '18848')),
  alertmanagerUrl: `http://127.0.0.1:${env('AIOPS_ALERTMANAGER_PORT', '19193')}`,
  prometheusUrl: `http://127.0.0.1:${env('AIOPS_PROMETHEUS_PORT', '19090')}`,
} as const;

/** A short random suffix for per-test topics, key prefixes and Nacos data ids. */
export const uniqueSuffix = (): string => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
