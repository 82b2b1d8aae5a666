/**
 * Demo traffic: Telegraf-style line protocol into Kafka at a steady rate, with current timestamps — system
 * measurements (cpu, mem, disk, net: not allowlisted in the demo) and business ones (order_service,
 * payment_gateway: allowlisted), a few malformed lines to show quarantine, and a slow ramp on one series so the
 * engine's threshold rule fires after a few minutes.
 * Usage: tsx deploy/local/telegraf-like-generator.ts --brokers 127.0.0.1:19092 --topic telegraf --rate 2000
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const brokers = arg('brokers', '127.0.0.1:19092').split(',');
const topic = arg('topic', 'telegraf');
const rate = Number(arg('rate', '2000'));
const partitions = Number(arg('partitions', '3'));
const TICK_MS = 200;

const hosts = ['web-1', 'web-2', 'web-3', 'db-1', 'cache-1'];
const started = Date.now();
let tick = 0;
let lastTs = 0;

function* lines(nowNs: string, t: number): Generator<string> {
  for (const host of hosts) {
    const wave = Math.sin(t / 60 + host.length);
    yield `cpu,cpu=cpu-total,host=${host} usage_user=${(30 + 10 * wave).toFixed(2)},usage_system=${(8 + 2 * wave).toFixed(2)},usage_idle=${(60 - 10 * wave).toFixed(2)} ${nowNs}`;
    yield `mem,host=${host} used_percent=${(55 + 5 * wave).toFixed(2)},available=${Math.round(8e9 - 1e9 * wave)}i ${nowNs}`;
    yield `disk,device=vda1,host=${host},path=/ used_percent=${(40 + t / 3600).toFixed(3)},inodes_free=1200000i ${nowNs}`;
    yield `net,host=${host},interface=eth0 bytes_recv=${Math.round(1e6 * t)}i,err_in=0i ${nowNs}`;
  }
  for (const svc of ['checkout', 'search', 'login']) {
    // checkout latency ramps up slowly: the demo's threshold rule (latency_ms > 250 for 30 s) fires after ~3 min.
    const ramp = svc === 'checkout' ? Math.min(200, t / 1.2) : 0;
    yield `order_service,env=prod,region=sh,service=${svc} latency_ms=${(80 + ramp + 10 * Math.sin(t / 7)).toFixed(1)},qps=${(500 + 50 * Math.sin(t / 30)).toFixed(0)},error_rate=${(0.2 + 0.1 * Math.random()).toFixed(3)},healthy=true ${nowNs}`;
  }
  yield `payment_gateway,channel=card,env=prod success_ratio=${(0.995 - 0.002 * Math.random()).toFixed(4)},p99_ms=${(180 + 30 * Math.random()).toFixed(1)},provider="acme" ${nowNs}`;
}

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'demo-generator', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let sent = 0;
  const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
  const timer = setInterval(() => {
    const nowMs = Date.now();
    const batch: string[] = [];
    // Several passes per tick at the higher rates, each a few ms later; timestamps never repeat, even when a
    // late timer fires two ticks close together, so every point is distinct.
    for (let pass = 0; batch.length < perTick; pass++) {
      const ts = Math.max(nowMs + pass * 2, lastTs + 2);
      lastTs = ts;
      for (const l of lines(`${ts}000000`, (ts - started) / 1000)) batch.push(l);
    }
    if (tick % 25 === 0) batch.push('order_service,service=checkout latency_ms=oops'); // a bad line, every 5 s
    tick++;
    const messages = [];
    for (let i = 0; i < batch.length; i += 50) messages.push({ value: batch.slice(i, i + 50).join('\n') });
    producer.send({ topic, messages }).then(
      () => (sent += batch.length),
      (err: Error) => console.error(`[generator] send failed: ${err.message}`),
    );
  }, TICK_MS);
  const report = setInterval(() => console.log(`[generator] ${sent} lines produced to ${topic}`), 10_000);
  const stop = async () => {
    clearInterval(timer);
    clearInterval(report);
    await producer.disconnect();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(`[generator] producing ~${rate} lines/s of Telegraf line protocol to ${topic} on ${brokers.join(',')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
