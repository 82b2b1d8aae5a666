import { describe, expect, it } from 'vitest';
import type { DeliveryRecord, DeliveryRecords } from '../../src/application/ports/delivery-records.js';

/** One suite for every DeliveryRecords adapter: `make(maxPerAlarm)` gives a fresh, empty record space. */
export function deliveryRecordsContract(name: string, make: (maxPerAlarm: number) => DeliveryRecords): void {
  const rec = (alarmId: string, sink: string, seq: number, outcome: DeliveryRecord['outcome'], second: number, more: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
    alarmId, sink, eventId: `ev-${alarmId}-${seq}`, eventPosition: `1764655200000-${seq}`, eventType: seq === 0 ? 'AlarmRaised' : 'AlarmUpdated', eventVersion: seq + 1,
    outcome, attempts: 1, reason: outcome === 'delivered' ? null : 'HTTP 503', at: new Date(Date.UTC(2026, 11, 2, 6, 0, second)).toISOString(), ...more,
  });
  const brief = (r: DeliveryRecord): string => `${r.sink} ${r.eventVersion} ${r.outcome} x${r.attempts}`;

  describe(`${name} (DeliveryRecords contract)`, () => {
    it('gives an alarm its records, oldest outcome first, and nothing of another alarm', async () => {
      const records = make(100);
      await records.record([rec('a1', 'webhook', 1, 'delivered', 5), rec('a2', 'webhook', 0, 'delivered', 1), rec('a1', 'webhook', 0, 'delivered', 2)]);
      await records.record([rec('a1', 'alertmanager', 0, 'delivered', 2)]);
      expect((await records.forAlarm('a1')).map(brief)).toEqual(['alertmanager 1 delivered x1', 'webhook 1 delivered x1', 'webhook 2 delivered x1']);
      expect(await records.forAlarm('a2')).toEqual([rec('a2', 'webhook', 0, 'delivered', 1)]);
      expect(await records.forAlarm('nobody')).toEqual([]);
    });

    it('replaces an event\'s outcome at a sink with the newer one, and keeps the other sinks\' apart', async () => {
      const records = make(100);
      await records.record([rec('a', 'webhook', 0, 'retrying', 1), rec('a', 'alertmanager', 0, 'delivered', 1)]);
      await records.record([rec('a', 'webhook', 0, 'retrying', 3, { attempts: 2 })]);
      await records.record([rec('a', 'webhook', 0, 'delivered', 9, { attempts: 3, reason: null })]);
      expect((await records.forAlarm('a')).map(brief)).toEqual(['alertmanager 1 delivered x1', 'webhook 1 delivered x3']);
    });

    it('keeps at most the cap per alarm, dropping the oldest events\' entries', async () => {
      const records = make(3);
      await records.record([0, 1, 2, 3, 4].map((i) => rec('a', 'webhook', i, 'delivered', 10 + i)));
      expect((await records.forAlarm('a')).map((r) => r.eventVersion)).toEqual([3, 4, 5]);
      // A replaced entry keeps its event's place in the log: a newer outcome does not make it newer.
      await records.record([rec('a', 'webhook', 2, 'delivered', 30, { attempts: 2 }), rec('a', 'webhook', 5, 'delivered', 31)]);
      expect((await records.forAlarm('a')).map((r) => `${r.eventVersion}x${r.attempts}`)).toEqual(['4x1', '5x1', '6x1']);
    });

    it('trims by log position, not by text (\'10-0\' is newer than \'9-0\')', async () => {
      const records = make(2);
      await records.record(['9-0', '10-0', '10-1'].map((p, i) => rec('a', 'webhook', i, 'delivered', 1, { eventPosition: p })));
      expect((await records.forAlarm('a')).map((r) => r.eventPosition)).toEqual(['10-0', '10-1']);
    });

    it('applying the same records twice gives the same result', async () => {
      const records = make(100);
      const page = [rec('a', 'webhook', 0, 'delivered', 1), rec('a', 'webhook', 1, 'dead-lettered', 2, { reason: 'HTTP 400' })];
      await records.record(page);
      const once = await records.forAlarm('a');
      await records.record(page);
      expect(await records.forAlarm('a')).toEqual(once);
      expect(once.map(brief)).toEqual(['webhook 1 delivered x1', 'webhook 2 dead-lettered x1']);
    });

    it('accepts an empty page', async () => {
      const records = make(100);
      await records.record([]);
      expect(await records.forAlarm('a')).toEqual([]);
    });
  });
}
