import { afterEach, describe, expect, it } from 'vitest';
import type { EngineRequestHooks } from '../../../src/application/ports/engine-budget.js';
import { useRedisPrefixes } from '../../support/redis-test.js';
import { startAlarmWorld } from './alarm-poll-fixtures.js';

const hosts = (n: number, value: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`h${i}`, value]));

describe('alarm poll against the simulator and Redis', () => {
  const r = useRedisPrefixes('alarm-poll');
  let world: Awaited<ReturnType<typeof startAlarmWorld>> | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  describe('when the engine fires, updates and recovers an alarm from data', () => {
    it('appends raised → updated → resolved to its stream, in order, one poll each', async () => {
      world = await startAlarmWorld(r.redis, r.newPrefix());
      await world.send({ h0: 60 });
      expect(await world.poll()).toMatchObject({ ok: true, complete: true, raised: 1 });
      await world.send({ h0: 80 });
      expect(await world.poll()).toMatchObject({ updated: 1 });
      await world.send({ h0: 10 });
      expect(await world.poll()).toMatchObject({ resolved: 1 });
      expect(await world.poll()).toMatchObject({ raised: 0, updated: 0, resolved: 0 });

      const events = await world.events();
      expect(events.map((e) => e.type)).toEqual(['AlarmRaised', 'AlarmUpdated', 'AlarmResolved']);
      expect(new Set(events.map((e) => e.streamName)).size).toBe(1);
      expect(events.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
      expect(new Set(events.map((e) => e.metadata.pollId)).size).toBe(3);
      expect(events[1]?.data).toMatchObject({ changed: expect.arrayContaining(['value']), alarm: { value: 80, status: 'firing' } });
      expect(events[2]?.data).toMatchObject({ reason: 'engine_recovered', alarm: { status: 'resolved', value: 80 } });
      expect((await world.index.load()).known.size).toBe(0);
    });

    it('raises and resolves an alarm that fired and recovered between two polls', async () => {
      world = await startAlarmWorld(r.redis, r.newPrefix());
      await world.poll();
      await world.send({ h0: 60 });
      await world.send({ h0: 10 });
      expect(await world.poll()).toMatchObject({ raised: 1, resolved: 1 });
      expect([...(await world.lifecycles()).values()]).toEqual([['AlarmRaised', 'AlarmResolved']]);
    });
  });

  describe('when page 2 of the current list fails for 10 polls', () => {
    it('resolves no alarm, and later ones resolve nothing either while all still fire', async () => {
      world = await startAlarmWorld(r.redis, r.newPrefix(), { pageSize: 5 });
      await world.send(hosts(12, 70));
      expect(await world.poll()).toMatchObject({ complete: true, raised: 12, pages: 3 + 3 });
      world.sim.setFaults({ failPage: 2 });
      for (let i = 0; i < 10; i++) expect(await world.poll()).toMatchObject({ ok: true, complete: false, resolved: 0, firing: 5 });
      world.sim.clearFaults();
      expect(await world.poll()).toMatchObject({ complete: true, resolved: 0 });
      const types = (await world.events()).map((e) => e.type);
      expect(types.filter((t) => t === 'AlarmRaised')).toHaveLength(12);
      expect(types).not.toContain('AlarmResolved');
      const { known } = await world.index.load();
      expect([...known.values()].map((k) => k.absentPolls)).toEqual(Array(12).fill(0));
    });
  });

  describe('when the list shifts during a read', () => {
    it('raises no alarm twice and resolves only what recovered', async () => {
      // Before page 2 of a chosen poll, the test changes the engine's list: `shift` is what it does.
      let pollCalls = 0;
      let shift: (() => Promise<void>) | undefined;
      const hooks: EngineRequestHooks = {
        beforeRequest: async (cls) => {
          if (cls !== 'poll') return undefined;
          pollCalls++;
          if (pollCalls === 2 && shift) {
            const s = shift;
            shift = undefined;
            await s();
          }
          return undefined;
        },
        afterResponse: () => undefined,
      };
      world = await startAlarmWorld(r.redis, r.newPrefix(), { pageSize: 5, hooks });
      const w = world;
      await w.send(hosts(12, 70));
      pollCalls = 0;
      await w.poll();

      // New alarms on top (newest first): items already read slide onto page 2.
      pollCalls = 0;
      shift = () => w.send({ n0: 90, n1: 90 });
      expect(await w.poll()).toMatchObject({ complete: false });
      // Alarms of page 1 recover: unread items slide up onto page 1, past the reader.
      pollCalls = 0;
      shift = () => w.send({ h11: 10, h10: 10, h9: 10 });
      const shifted = await w.poll();
      expect(shifted.complete).toBe(false);
      expect(shifted.drift).toBeGreaterThan(0);
      for (let i = 0; i < 4; i++) await w.poll();

      const lifecycles = await w.lifecycles();
      for (const types of lifecycles.values()) expect(types.filter((t) => t === 'AlarmRaised')).toHaveLength(1);
      const firing = w.firingHosts();
      expect(firing.size).toBe(11);
      const resolvedHosts = (await w.events()).filter((e) => e.type === 'AlarmResolved').map((e) => e.data.alarm.tags['host']);
      expect(resolvedHosts.sort()).toEqual(['h10', 'h11', 'h9']);
      expect(lifecycles.size).toBe(14);
    });
  });
});
