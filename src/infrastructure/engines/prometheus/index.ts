export { PrometheusEngine } from './prometheus-engine.js';
export type { PrometheusConfig } from './config.js';
export { decodeLabelName, decodeMetricName, encodeLabelName, encodeMetricName } from './series-names.js';
