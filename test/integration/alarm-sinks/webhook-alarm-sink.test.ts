import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookAlarmSink, WebhookSecretError } from '../../../src/infrastructure/alarm-sinks/webhook-alarm-sink.js';
import { alarmView, raised, resolved, updated } from '../../support/alarm-sink-fixtures.js';

const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;
const SECRET = newSecret();

interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
type Answer = { status: number; headers?: Record<string, string>; delayMs?: number; body?: string };

/** A receiver as the alarm platform should build one: verify, then de-duplicate on webhook-id. */
class Receiver {
  readonly raw: Delivery[] = [];
  readonly accepted: unknown[] = [];
  readonly invalid: string[] = [];
  readonly #seen = new Set<string>();
  readonly #verifier = new Webhook(SECRET);
  answer: Answer = { status: 204 };
  readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      this.raw.push({ headers: req.headers, body });
      try {
        const event = this.#verifier.verify(body, req.headers as Record<string, string>);
        const id = req.headers['webhook-id'] as string;
        if (!this.#seen.has(id)) {
          this.#seen.add(id);
          this.accepted.push(event);
        }
      } catch (err) {
        this.invalid.push((err as Error).message);
      }
      const { status, headers = {}, delayMs = 0, body: answerBody = 'receiver says so' } = this.answer;
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(status, headers).end(status === 204 ? undefined : answerBody);
      }, delayMs);
    });
  });
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/alarms`;
  }
}

const receiver = new Receiver();
const sinkFor = (url: string, timeoutMs = 5_000): WebhookAlarmSink =>
  new WebhookAlarmSink({ url, secret: SECRET, source: 'urn:aiops-bridge:test', typePrefix: 'com.example.aiops', timeoutMs });

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  receiver.server.closeAllConnections();
  await new Promise((resolve) => receiver.server.close(resolve));
});
beforeEach(() => {
  receiver.answer = { status: 204 };
});

describe('an alarm raised, updated and resolved', () => {
  it('reaches the receiver in order, every signature valid, each event once after de-duplication', async () => {
    const sink = sinkFor(receiver.url);
    const alarm = alarmView();
    const events = [raised(alarm), updated({ ...alarm, severity: 'critical', value: 99 }, ['severity', 'value']), resolved(alarm)];
    const before = receiver.raw.length;
    for (const e of events) expect(await sink.deliver(e)).toEqual({ kind: 'delivered' });
    // At-least-once: the projection may deliver the update again after a crash.
    expect(await sink.deliver(events[1]!)).toEqual({ kind: 'delivered' });

    const mine = receiver.accepted.filter((e) => (e as { subject: string }).subject === alarm.id);
    expect(mine.map((e) => (e as { type: string }).type)).toEqual(['com.example.aiops.alarm.raised', 'com.example.aiops.alarm.updated', 'com.example.aiops.alarm.resolved']);
    expect(receiver.raw.length - before).toBe(4);
    expect(receiver.invalid).toEqual([]);
    mine.forEach((ce, i) => {
      const e = events[i]!;
      expect(ce).toEqual({
        specversion: '1.0',
        id: e.id,
        source: 'urn:aiops-bridge:test',
        type: expect.stringMatching(/^com\.example\.aiops\.alarm\./),
        subject: alarm.id,
        time: e.time,
        datacontenttype: 'application/json',
        alarmversion: i + 1,
        data: e.data,
      });
    });
    expect((mine[1] as { data: { changed: string[] } }).data.changed).toEqual(['severity', 'value']);
    expect((mine[2] as { data: { reason: string; alarm: { status: string } } }).data).toMatchObject({ reason: 'engine_recovered', alarm: { status: 'resolved' } });
  });

  it('sends the CloudEvents structured content type and the Standard Webhooks headers', async () => {
    const event = raised(alarmView());
    await sinkFor(receiver.url).deliver(event);
    const { headers, body } = receiver.raw.at(-1)!;
    expect(headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(headers['webhook-id']).toBe(event.id);
    expect(JSON.parse(body).id).toBe(event.id);
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });
});

describe('a delivery that was tampered with or signed with another secret', () => {
  it('fails verification when one byte of the body changed', async () => {
    await sinkFor(receiver.url).deliver(raised(alarmView({ value: 10 })));
    const { headers, body } = receiver.raw.at(-1)!;
    const verifier = new Webhook(SECRET);
    expect(() => verifier.verify(body, headers as Record<string, string>)).not.toThrow();
    const tampered = body.replace('"value":10', '"value":11');
    expect(tampered).not.toBe(body);
    expect(() => verifier.verify(tampered, headers as Record<string, string>)).toThrow(WebhookVerificationError);
  });

  it('fails verification with a different secret, and the receiver counts it invalid', async () => {
    const invalidBefore = receiver.invalid.length;
    const acceptedBefore = receiver.accepted.length;
    const forger = new WebhookAlarmSink({ url: receiver.url, secret: newSecret(), source: 's', typePrefix: 'com.x', timeoutMs: 5_000 });
    await forger.deliver(raised(alarmView()));
    expect(receiver.invalid.length).toBe(invalidBefore + 1);
    expect(receiver.invalid.at(-1)).toMatch(/No matching signature/);
    expect(receiver.accepted.length).toBe(acceptedBefore);
  });
});

describe('the receiver answering', () => {
  const deliverWith = async (answer: Answer, timeoutMs?: number) => {
    receiver.answer = answer;
    return sinkFor(receiver.url, timeoutMs).deliver(raised(alarmView()));
  };

  it('200 or 204: delivered', async () => {
    expect(await deliverWith({ status: 200 })).toEqual({ kind: 'delivered' });
    expect(await deliverWith({ status: 204 })).toEqual({ kind: 'delivered' });
  });

  it('410: gone', async () => {
    expect(await deliverWith({ status: 410 })).toEqual({ kind: 'gone', reason: 'HTTP 410: receiver says so' });
  });

  it('429 with Retry-After in seconds or as a date: retry after that long', async () => {
    expect(await deliverWith({ status: 429, headers: { 'retry-after': '3' } })).toEqual({ kind: 'retry', reason: 'HTTP 429: receiver says so', retryAfterMs: 3000 });
    const at = new Date(Date.now() + 60_000).toUTCString();
    const o = await deliverWith({ status: 429, headers: { 'retry-after': at } });
    expect(o.kind === 'retry' && o.retryAfterMs).toBeGreaterThan(50_000);
    expect(o.kind === 'retry' && o.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('500: retry without a delay of its own', async () => {
    expect(await deliverWith({ status: 500 })).toEqual({ kind: 'retry', reason: 'HTTP 500: receiver says so' });
  });

  it('a huge error body: the reason quotes only its start', async () => {
    receiver.answer = { status: 422, body: 'x'.repeat(5_000_000) };
    const o = await sinkFor(receiver.url).deliver(raised(alarmView()));
    expect(o.kind).toBe('rejected');
    expect(o.kind === 'rejected' && o.reason.length).toBeLessThan(300);
  });

  it('400: rejected', async () => {
    expect(await deliverWith({ status: 400 })).toEqual({ kind: 'rejected', reason: 'HTTP 400: receiver says so' });
  });

  it('too slowly: retry once the timeout passed', async () => {
    const started = Date.now();
    const o = await deliverWith({ status: 204, delayMs: 3_000 }, 300);
    expect(o).toEqual({ kind: 'retry', reason: 'no answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(2_500);
  });
});

describe('a receiver that is not listening', () => {
  it('gives retry with the network reason', async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const o = await sinkFor(`http://127.0.0.1:${port}/alarms`).deliver(raised(alarmView()));
    expect(o).toEqual({ kind: 'retry', reason: 'network: ECONNREFUSED' });
  });
});

describe('the secret', () => {
  it('never shows when the sink is inspected or serialised', () => {
    const sink = sinkFor(receiver.url);
    const key = SECRET.slice('whsec_'.length);
    expect(inspect(sink, { depth: 10, showHidden: true })).not.toContain(key);
    expect(JSON.stringify(sink)).not.toContain(key);
  });

  it('is refused when malformed, without being quoted', () => {
    for (const bad of ['plain-text-secret', 'whsec_not*base64', `whsec_${randomBytes(8).toString('base64')}`]) {
      const make = () => new WebhookAlarmSink({ url: receiver.url, secret: bad, source: 's', typePrefix: 'com.x', timeoutMs: 1000 });
      expect(make).toThrow(WebhookSecretError);
      try {
        make();
      } catch (err) {
        expect((err as Error).message).not.toContain(bad.slice(6));
      }
    }
  });
});
