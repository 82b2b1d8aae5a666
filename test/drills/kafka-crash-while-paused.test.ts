import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../../src/application/forwarding/ingest-pipeline.js';
import { BullmqForwardQueue } from '../../src/infrastructure/bullmq/forward-queue.js';
import { KafkaMetricSource } from '../../src/interfaces/kafka/kafka-metric-source.js';
import { committedLag, createTopic, kafka, produceRaw, testLogger, waitFor } from '../support/bridge-harness.js';
import { services, uniqueSuffix } from '../support/services.js';
import { dropKeys, sleep } from '../integration/forwarding/forwarding-harness.js';

// Drill: the kafkajs consumer crashes (an error escapes eachBatch; kafkajs restarts it with a new group member)
// while ingest is paused by backpressure. The new member must be paused again before it fetches: no message is
// taken, and the paused topic is not fetched in a hot loop, until backpressure lifts.
describe('a consumer that crashes while backpressure holds it paused', () => {
  const prefix = `t-crash-${uniqueSuffix()}`;
  const groupId = `g-${uniqueSuffix()}`;
  let topic: string;
  let source: KafkaMetricSource;
  let queue: BullmqForwardQueue;
  let backpressure = false;
  let crashNext = false;
  let crashes = 0;
  let joins = 0;
  let batches = 0;
  let processed = 0;

  beforeAll(async () => {
    topic = await createTopic(1);
    queue = new BullmqForwardQueue({ connection: { url: services.redisUrl, maxRetriesPerRequest: 1 }, prefix, attempts: 1 });
    const pipeline = new IngestPipeline({
      decode: (payload, sink) => {
        processed += 1;
        sink.accept({ name: 'crash.drill', tags: { n: payload.toString() }, ts: Date.now(), value: 1 });
      },
      queue,
      commit: async (next) => source.consumer.commitOffsets(next.map((p) => ({ ...p }))),
      limits: { maxPoints: 100, maxBytes: 1 << 20 },
      maxLingerMs: 50,
      newBatchId: (seq) => `${prefix}-${seq}`,
    });
    source = new KafkaMetricSource({
      brokers: [...services.kafkaBrokers],
      clientId: groupId,
      groupId,
      topic,
      fromBeginning: true,
      maxBytesPerPartition: 1 << 20,
      partitionsConsumedConcurrently: 1,
      maxWaitTimeMs: 100,
      pipeline,
      log: testLogger(process.env.AIOPS_TEST_LOG ?? 'silent'),
      retry: { retries: 0, initialRetryTime: 300 },
      // The backpressure gate, asked before every message; armed once, it fails like a bug or a broker error would.
      shouldPause: () => {
        if (crashNext) {
          crashNext = false;
          // Backpressure decides to pause in the same moment (as the timer's backlog read can).
          source.pause();
          throw new Error('drill: error escaping eachBatch');
        }
        return backpressure;
      },
    });
    source.consumer.on(source.consumer.events.CRASH, () => void (crashes += 1));
    source.consumer.on(source.consumer.events.GROUP_JOIN, () => void (joins += 1));
    source.consumer.on(source.consumer.events.START_BATCH_PROCESS, () => void (batches += 1));
    await source.start();
    await produceRaw(topic, 'm0');
    const admin = kafka.admin();
    await admin.connect();
    await waitFor('the first message committed', async () => (await committedLag(admin, topic, groupId)) === 0, 20_000);
    await admin.disconnect();
  });
  afterAll(async () => {
    await source?.stop().catch(() => undefined);
    await queue?.close();
    await dropKeys(prefix);
  });

  it('is paused again on the new member and takes nothing while paused', async () => {
    crashNext = true;
    backpressure = true;
    await produceRaw(topic, 'm1');
    await waitFor('the crash and the restarted member joining', async () => crashes >= 1 && joins >= 2, 20_000, 50);
    const before = processed;
    const batchesBefore = batches;
    await sleep(3_000);
    expect(source.isPaused).toBe(true);
    expect(source.consumer.paused()).toEqual([{ topic, partitions: [0] }]);
    expect(processed).toBe(before);
    // No hot re-fetch: at most the one batch that was already under way when the pause re-applied (a paused
    // consumer that forgot its pause fetches the held message again every ~100 ms here).
    expect(batches - batchesBefore).toBeLessThanOrEqual(1);
  });

  it('takes the held message once backpressure lifts', async () => {
    backpressure = false;
    source.resume();
    const admin = kafka.admin();
    await admin.connect();
    await waitFor('every message committed', async () => (await committedLag(admin, topic, groupId)) === 0, 20_000);
    await admin.disconnect();
    expect(processed).toBeGreaterThanOrEqual(2);
  });
});
