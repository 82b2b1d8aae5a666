/**
 * Our metric names and tag keys as Prometheus series names and label names, and back.
 *
 * Prometheus allows `[a-zA-Z_:][a-zA-Z0-9_:]*` in metric names and `[a-zA-Z_][a-zA-Z0-9_]*` in label names
 * (`__` prefixes are its own). The mapping must be injective (two of our names never share a series) and
 * readable for the names Telegraf sends, so it has two forms whose images cannot overlap:
 * - plain: a metric name made of `[a-zA-Z_][a-zA-Z0-9_]*` segments joined by single dots maps each `.` to `:`
 *   (`cpu.usage_user` → `cpu:usage_user`); a tag key matching `[a-zA-Z][a-zA-Z0-9_]*` stays as it is;
 * - hex: anything else (other characters, empty segments, a leading digit) becomes `aiops_x_` + the UTF-8 hex
 *   of the whole name (`disk.used-percent` → `aiops_x_6469…`).
 * A plain form never starts with `aiops_x_` (such names take the hex form), so decoding is unambiguous. Tag
 * keys starting with `aiops_` are reserved for the labels this adapter adds to its rules, and `alertname` is
 * Prometheus's own alert label: both take the hex form too. Label values carry any UTF-8 and are not changed;
 * an empty tag value is the same as no tag in Prometheus.
 */
const HEX_PREFIX = 'aiops_x_';
const PLAIN_METRIC = /^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*$/;
const PLAIN_LABEL = /^[a-zA-Z][a-zA-Z0-9_]*$/;
const HEX_BODY = /^(?:[0-9a-f]{2})+$/;
/** Label names this adapter puts on its own alerting rules. */
export const OWN_LABEL_PREFIX = 'aiops_';

const toHex = (s: string): string => HEX_PREFIX + Buffer.from(s, 'utf8').toString('hex');
const fromHex = (s: string): string | undefined => {
  const body = s.slice(HEX_PREFIX.length);
  if (!HEX_BODY.test(body)) return undefined;
  const text = Buffer.from(body, 'hex').toString('utf8');
  // A hex body that is not the UTF-8 of some string is not one of ours.
  return Buffer.from(text, 'utf8').toString('hex') === body ? text : undefined;
};

export function encodeMetricName(name: string): string {
  return PLAIN_METRIC.test(name) && !name.startsWith(HEX_PREFIX) ? name.replaceAll('.', ':') : toHex(name);
}

/** Undefined when the series name is not one this mapping produces. */
export function decodeMetricName(series: string): string | undefined {
  if (series.startsWith(HEX_PREFIX)) return fromHex(series);
  const name = series.replaceAll(':', '.');
  return PLAIN_METRIC.test(name) ? name : undefined;
}

export function encodeLabelName(tagKey: string): string {
  const plain = PLAIN_LABEL.test(tagKey) && !tagKey.startsWith(OWN_LABEL_PREFIX) && tagKey !== 'alertname';
  return plain ? tagKey : toHex(tagKey);
}

/** Undefined for Prometheus's and this adapter's own labels, which are not tags. */
export function decodeLabelName(label: string): string | undefined {
  if (label.startsWith(HEX_PREFIX)) return fromHex(label);
  if (label.startsWith(OWN_LABEL_PREFIX) || label.startsWith('__') || label === 'alertname') return undefined;
  return PLAIN_LABEL.test(label) ? label : undefined;
}

/** Our tags as labels (empty values dropped: Prometheus cannot tell them from absent ones). */
export function encodeTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) if (v !== '') labels[encodeLabelName(k)] = v;
  return labels;
}

/** The tags among a series' or alert's labels. */
export function decodeTags(labels: Readonly<Record<string, string>>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    const key = decodeLabelName(k);
    if (key !== undefined) tags[key] = v;
  }
  return tags;
}
