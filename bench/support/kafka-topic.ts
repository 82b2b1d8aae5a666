/**
 * Topic helpers the Kafka benches share (ingest, peers): produce Telegraf lines as Telegraf's Kafka output batches
 * them, wait until a consumer group has committed a topic's end, and drop a bench's Redis keys afterwards.
 */
import type { Admin, Kafka } from 'kafkajs';
import { Redis } from 'ioredis';
import { services } from '../../test/support/services.js';
import { sleep } from './bridge-process.js';

export interface Produced {
  readonly ms: number;
  readonly bytes: number;
  readonly lines: number;
  /** Fields over all lines (points the lines carry). */
  readonly fields: number;
}

/** `lines` as messages of `perMessage` lines each (newline-terminated), round-robin over `partitions`. */
export async function produceLines(kafka: Kafka, topic: string, lines: Iterable<string>, perMessage: number, partitions: number): Promise<Produced> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const started = Date.now();
  let bytes = 0;
  let count = 0;
  let fields = 0;
  let m = 0;
  let message: string[] = [];
  let batch: { value: Buffer; partition: number }[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const send = async (): Promise<void> => {
    const p = producer.send({ topic, messages: batch }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    batch = [];
    if (inFlight.size >= 4) await Promise.race(inFlight);
  };
  const close = (): void => {
    const value = Buffer.from(`${message.join('\n')}\n`);
    bytes += value.length;
    batch.push({ value, partition: m++ % partitions });
    message = [];
  };
  for (const line of lines) {
    count++;
    fields += line.split(' ')[1]?.split(',').length ?? 0;
    message.push(line);
    if (message.length < perMessage) continue;
    close();
    if (batch.length === 60) await send();
  }
  if (message.length > 0) close();
  if (batch.length > 0) await send();
  await Promise.all(inFlight);
  await producer.disconnect();
  return { ms: Date.now() - started, bytes, lines: count, fields };
}

/**
 * Polls a group's committed offsets until they reach the end of every partition; also the steady rate in
 * messages per ms between 10 % and 90 % committed (no group join, no final linger in it).
 */
export async function waitCommittedEnd(
  admin: Admin,
  topic: string,
  groupId: string,
  opts: { readonly started?: number; readonly timeoutMs: number },
): Promise<{ end: number; steadyPerMs: number }> {
  const started = opts.started ?? Date.now();
  const ends = await admin.fetchTopicOffsets(topic);
  const total = ends.reduce((n, e) => n + Number(e.high), 0);
  let from: { t: number; at: number } | undefined;
  let to: { t: number; at: number } | undefined;
  for (;;) {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] }).catch(() => []);
    const at = committed?.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) ?? 0;
    const t = Date.now();
    if (!from && at >= total * 0.1) from = { t, at };
    if (!to && at >= total * 0.9) to = { t, at };
    if (at >= total) return { end: t, steadyPerMs: from && to && to.t > from.t ? (to.at - from.at) / (to.t - from.t) : NaN };
    if (t - started > opts.timeoutMs) throw new Error(`${groupId}: committed ${at} of ${total} messages after ${opts.timeoutMs} ms`);
    await sleep(25);
  }
}

/** Deletes every key of the shared Redis that contains `prefix` (hash-tagged keys too). */
export async function dropKeys(prefix: string): Promise<void> {
  const redis = new Redis(services.redisUrl);
  try {
    for await (const keys of redis.scanStream({ match: `*${prefix}*`, count: 1000 })) if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
  } finally {
    redis.disconnect();
  }
}
