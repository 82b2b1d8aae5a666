/**
 * The demo's alarm platform: receives the bridge's webhook (CloudEvents, Standard Webhooks signatures), verifies
 * every request with the shared secret, de-duplicates on `webhook-id` and prints each alarm event on one line.
 * A bad signature is refused with 401 and printed as such. Secret from DEMO_WEBHOOK_SECRET (`whsec_…`).
 * Usage: tsx deploy/local/demo-alarm-receiver.ts --port 18090
 */
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const portArg = process.argv.indexOf('--port');
const port = Number(portArg >= 0 ? process.argv[portArg + 1] : '18090');
const secret = process.env.DEMO_WEBHOOK_SECRET ?? '';
if (!secret.startsWith('whsec_')) {
  console.error('DEMO_WEBHOOK_SECRET must be set to the bridge\'s webhook secret (whsec_…)');
  process.exit(2);
}
const verifier = new Webhook(secret);
// Bounded: the bridge delivers at least once, and a repeat comes soon after the first, not days later.
const seen = new Set<string>();
const remember = (id: string): void => {
  seen.add(id);
  if (seen.size > 100_000) seen.delete(seen.values().next().value as string);
};

interface AlarmCloudEvent {
  type: string;
  subject: string;
  alarmversion: number;
  time: string;
  data: { alarm: { metric: string; tags: Record<string, string>; severity: string; value: number | null; summary: string }; changed?: string[]; reason?: string };
}

const describe = (e: AlarmCloudEvent): string => {
  const a = e.data.alarm;
  const tags = Object.entries(a.tags).map(([k, v]) => `${k}=${v}`).join(',');
  const kind = e.type.slice(e.type.lastIndexOf('.') + 1).padEnd(8);
  const extra = e.data.changed ? ` changed=${e.data.changed.join(',')}` : e.data.reason ? ` reason=${e.data.reason}` : '';
  return `${kind} ${e.subject} v${e.alarmversion} ${a.severity} ${a.metric}{${tags}} value=${a.value ?? '-'}${extra} "${a.summary}"`;
};

http
  .createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let event: AlarmCloudEvent;
      try {
        event = verifier.verify(body, req.headers as Record<string, string>) as AlarmCloudEvent;
      } catch (err) {
        console.log(`${new Date().toISOString()} REFUSED  bad signature: ${(err as Error).message}`);
        res.writeHead(401).end();
        return;
      }
      const id = String(req.headers['webhook-id']);
      if (seen.has(id)) console.log(`${new Date().toISOString()} (repeat of ${id}, ignored)`);
      else {
        remember(id);
        console.log(`${new Date().toISOString()} ${describe(event)}`);
      }
      res.writeHead(204).end();
    });
  })
  .listen(port, '127.0.0.1', () => console.log(`demo alarm receiver on http://127.0.0.1:${port}/alarms (signatures verified)`));
