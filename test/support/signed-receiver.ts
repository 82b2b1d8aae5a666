import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One alarm event as the platform accepted it: the first delivery of its webhook-id, signature verified. */
export interface ReceivedAlarmEvent {
  readonly id: string;
  readonly kind: 'raised' | 'updated' | 'resolved';
  /** Our alarm id (the CloudEvent `subject`). */
  readonly alarmId: string;
  /** The alarm stream's version of this event (the CloudEvent extension `alarmversion`). */
  readonly version: number;
  readonly engineAlarmId: string | null;
  readonly metric: string;
  readonly receivedAtMs: number;
}

/**
 * The alarm platform as it should be built: every request's Standard Webhooks signature is verified (a bad one is
 * refused with 401 and counted), then de-duplicated on `webhook-id`. `down` answers 503 without reading further,
 * as a platform in an outage would; `onAccepted` runs synchronously on every first delivery, so a test can
 * compare it with the engine's state at that very moment.
 */
export class SignedReceiver {
  readonly accepted: ReceivedAlarmEvent[] = [];
  readonly invalid: string[] = [];
  requests = 0;
  duplicates = 0;
  refusedWhileDown = 0;
  down = false;
  onAccepted: (e: ReceivedAlarmEvent) => void = () => undefined;
  readonly #seen = new Set<string>();
  readonly #verifier: Webhook;
  readonly #server: http.Server;

  constructor(secret: string) {
    this.#verifier = new Webhook(secret);
    this.#server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        if (this.down) {
          this.refusedWhileDown++;
          res.writeHead(503).end('platform down');
          return;
        }
        const body = Buffer.concat(chunks).toString('utf8');
        let event: CloudAlarmEvent;
        try {
          event = this.#verifier.verify(body, req.headers as Record<string, string>) as CloudAlarmEvent;
        } catch (err) {
          this.invalid.push((err as Error).message);
          res.writeHead(401).end('bad signature');
          return;
        }
        const id = String(req.headers['webhook-id']);
        if (this.#seen.has(id)) this.duplicates++;
        else {
          this.#seen.add(id);
          const received = toReceived(id, event);
          this.accepted.push(received);
          this.onAccepted(received);
        }
        res.writeHead(204).end();
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/alarms`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  /** Accepted events grouped by alarm, in arrival order. */
  byAlarm(): Map<string, ReceivedAlarmEvent[]> {
    const out = new Map<string, ReceivedAlarmEvent[]>();
    for (const e of this.accepted) out.set(e.alarmId, [...(out.get(e.alarmId) ?? []), e]);
    return out;
  }
}

interface CloudAlarmEvent {
  readonly type: string;
  readonly subject: string;
  readonly alarmversion: number;
  readonly data: { readonly alarm: { readonly engineAlarmId: string | null; readonly metric: string } };
}

const toReceived = (id: string, e: CloudAlarmEvent): ReceivedAlarmEvent => ({
  id,
  kind: e.type.slice(e.type.lastIndexOf('.') + 1) as ReceivedAlarmEvent['kind'],
  alarmId: e.subject,
  version: e.alarmversion,
  engineAlarmId: e.data.alarm.engineAlarmId,
  metric: e.data.alarm.metric,
  receivedAtMs: performance.timeOrigin + performance.now(),
});

/**
 * Alarms whose accepted events are not versions 1, 2, 3… in arrival order, each episode a raise, updates, a resolve
 * (an alarm is one rule on one series: its next episode is raised again on the same stream, only after a resolve):
 * each is out of order (a gap is a loss or a reordering; both break per-alarm order).
 */
export function outOfOrder(byAlarm: ReadonlyMap<string, readonly ReceivedAlarmEvent[]>): string[] {
  const bad: string[] = [];
  for (const [alarmId, events] of byAlarm) {
    const ok = events.every((e, i) => e.version === i + 1 && (i === 0 || events[i - 1]?.kind === 'resolved' ? e.kind === 'raised' : e.kind !== 'raised'));
    if (!ok) bad.push(`${alarmId}: ${events.map((e) => `${e.kind}#${e.version}`).join(' ')}`);
  }
  return bad;
}
