// Readiness probe for the local Kafka broker: succeeds once the broker answers a metadata request.
// Usage: node wait-ready.mjs <host:port> <seconds>
import { Kafka, logLevel } from 'kafkajs';

const [broker = '127.0.0.1:19092', seconds = '60'] = process.argv.slice(2);
const deadline = Date.now() + Number(seconds) * 1000;
const kafka = new Kafka({ clientId: 'wait-ready', brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
for (;;) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    await admin.disconnect();
    process.exit(0);
  } catch (err) {
    await admin.disconnect().catch(() => {});
    if (Date.now() > deadline) {
      console.error(`kafka at ${broker} not ready after ${seconds} s: ${err.message}`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
