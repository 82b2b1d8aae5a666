// `npm run bench -- kafka-read [--lines 2000000] [--mib 4] [--rdkafka <path to @confluentinc/kafka-javascript>]`:
// how fast a Kafka client alone reads the peers bench's topic (the same realistic Telegraf traffic, 200 lines per
// message, 6 partitions) into this process, counting lines and doing nothing else: the ceiling any ingest path on
// that client can reach here. kafkajs runs with the bridge's fetch sizes (`--mib` per fetch, a quarter per
// partition; the bridge's default is 4). With `--rdkafka`, @confluentinc/kafka-javascript (librdkafka) reads the same
// topic too; it is not a dependency of the project (a native build): install it outside the tree, e.g.
// `npm install --build-from-source @confluentinc/kafka-javascript` in a scratch directory, and pass that directory's
// `node_modules/@confluentinc/kafka-javascript`. Wall time from connect to the last line; CPU of this process.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { services, uniqueSuffix } from '../test/support/services.js';
import { produceLines } from './support/kafka-topic.js';
import { RealisticTelegraf } from './support/realistic-telegraf.js';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '2000000' }, mib: { type: 'string', default: '4' }, rdkafka: { type: 'string' } } });
const LINES = Number(values.lines);
const MIB = Number(values.mib);
const broker = services.kafkaBrokers[0]!;
const kafka = new Kafka({ clientId: 'bench-kafka-read', brokers: [broker], logLevel: logLevel.NOTHING });
const topic = `bench-kafka-read-${uniqueSuffix()}`;

interface Read {
  readonly ms: number;
  readonly cpuS: number;
}
const countLines = (v: Buffer): number => {
  let n = 0;
  for (let i = v.indexOf(10); i >= 0; i = v.indexOf(10, i + 1)) n++;
  return n;
};
const timed = async (read: (done: () => void, add: (n: number) => boolean) => Promise<() => Promise<void>>): Promise<Read> => {
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  let lines = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const stop = await read(finish, (n) => (lines += n) >= LINES);
  await finished;
  const ms = Date.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await stop();
  return { ms, cpuS: (cpu.user + cpu.system) / 1e6 };
};

const readKafkajs = (): Promise<Read> =>
  timed(async (done, add) => {
    const consumer = kafka.consumer({ groupId: `${topic}-kafkajs`, maxBytes: MIB << 20, maxBytesPerPartition: (MIB << 20) / 4 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        let n = 0;
        for (const m of batch.messages) n += m.value ? countLines(m.value) : 0;
        if (add(n)) done();
      },
    });
    return () => consumer.disconnect();
  });

interface RdConsumer {
  on(event: 'ready', f: () => void): void;
  connect(): void;
  subscribe(topics: string[]): void;
  consume(n: number, cb: (err: unknown, msgs: { value: Buffer | null }[]) => void): void;
  disconnect(cb: () => void): void;
}
const readRdkafka = (path: string): Promise<Read> =>
  timed(async (done, add) => {
    const rd = createRequire(import.meta.url)(path) as { KafkaConsumer: new (g: object, t: object) => RdConsumer };
    const consumer = new rd.KafkaConsumer(
      { 'group.id': `${topic}-rdkafka`, 'metadata.broker.list': broker, 'enable.auto.commit': false },
      { 'auto.offset.reset': 'earliest' },
    );
    let stopped = false;
    const loop = (): void =>
      consumer.consume(1000, (err, msgs) => {
        if (stopped) return; // a consume still in flight at the disconnect answers "not connected"
        if (err) throw err instanceof Error ? err : new Error(String(err));
        let n = 0;
        for (const m of msgs) n += m.value ? countLines(m.value) : 0;
        if (add(n)) done();
        if (!stopped) setImmediate(loop);
      });
    consumer.on('ready', () => {
      consumer.subscribe([topic]);
      loop();
    });
    consumer.connect();
    return () => new Promise<void>((r) => ((stopped = true), consumer.disconnect(() => r())));
  });

const admin = kafka.admin();
await admin.connect();
try {
  await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
  const traffic = new RealisticTelegraf(42);
  await produceLines(kafka, topic, traffic.iterate(LINES, traffic.startFor(LINES)), 200, 6);
  const kafkajs = await readKafkajs();
  const rdkafka = values.rdkafka ? await readRdkafka(values.rdkafka) : undefined;
  const rate = (r?: Read): number | null => (r ? Math.round((LINES / r.ms) * 1000) : null);
  const perCpu = (r?: Read): number | null => (r ? Math.round(LINES / r.cpuS) : null);
  console.log(
    JSON.stringify({
      bench: 'kafka-read',
      lines: LINES,
      fetch_mib: MIB,
      kafkajs_lines_per_s: rate(kafkajs),
      kafkajs_lines_per_cpu_s: perCpu(kafkajs),
      rdkafka_lines_per_s: rate(rdkafka),
      rdkafka_lines_per_cpu_s: perCpu(rdkafka),
    }),
  );
} finally {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}
process.exit(0);
