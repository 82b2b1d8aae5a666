import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ALARM_VIEW } from '../../application/alarms/alarm-view-projection.js';
import { replayDeliveryDeadLetters } from '../../application/alarms/alarm-delivery-projection.js';
import { projectionStatus } from '../../application/projections/projection-status.js';
import { rebuildProjection } from '../../application/projections/rebuild-projection.js';
import { createAlarmSinks } from '../../infrastructure/alarm-sinks/create-alarm-sinks.js';
import type { AppConfig } from '../../infrastructure/config/config-schema.js';
import { newOwnerId, wireProjections } from '../roles/projections-wiring.js';

const usage = (message: string): never => {
  throw new Error(message);
};
const option = (args: string[], name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : undefined;
};

/**
 * `projections status` · `projections rebuild <name> [--redeliver] [--timeout-ms N]` ·
 * `delivery dead-letters <sink> [--limit N]` · `delivery replay <sink> <eventId…>|--all` · `delivery enable <sink>`.
 * Prints JSON; the process exit code says whether it worked.
 */
export async function runProjectionCommand(command: 'projections' | 'delivery', argv: readonly string[], config: AppConfig, log: Logger): Promise<number> {
  const args = [...argv];
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 2 });
  const sinks = createAlarmSinks(config.alarms.sinks, { pollIntervalMs: config.alarms.pollIntervalMs });
  const w = wireProjections(redis, `${config.redis.keyPrefix}:`, config.projections, sinks.all, log);
  const print = (value: unknown): void => console.log(JSON.stringify(value, null, 2));
  try {
    const [sub, name] = [args.shift(), args.shift()];
    if (command === 'projections' && sub === 'status') {
      const out = [];
      for (const p of w.projections) {
        const status = await projectionStatus(w, p.name, p.category);
        const sink = p.name.startsWith('alarm-delivery:') ? p.name.slice('alarm-delivery:'.length) : null;
        out.push(sink ? { ...status, sink: await w.sinkSwitch.state(sink), deadLetters: await w.deadLetters.count(sink) } : status);
      }
      print(out);
      return 0;
    }
    if (command === 'projections' && sub === 'rebuild') {
      const projection = w.projections.find((p) => p.name === name) ?? usage(`usage: projections rebuild <${w.projections.map((p) => p.name).join('|')}>`);
      const isView = projection.name === ALARM_VIEW;
      if (!isView && !args.includes('--redeliver')) {
        usage(`${projection.name} is a delivery: a rebuild delivers every event again (receivers de-duplicate on event id); add --redeliver`);
      }
      const before = isView ? await w.view.digest() : null;
      const done = await rebuildProjection({
        name: projection.name,
        category: projection.category,
        store: w.store,
        checkpoints: w.checkpoints,
        clear: isView ? () => w.view.clear() : async () => undefined,
        runner: w.runner(projection, newOwnerId('rebuild')),
        timeoutMs: Number(option(args, '--timeout-ms') ?? 600_000),
      });
      const after = isView ? await w.view.digest() : null;
      print({ projection: projection.name, caughtUp: done, digestBefore: before, digestAfter: after, identical: before === after });
      return done ? 0 : 1;
    }
    if (command === 'delivery') {
      // Listing and enabling need only the name (a sink switched off in config may still have dead letters);
      // replaying needs the sink itself, so it must be enabled in the config.
      const sinkName = name ?? usage('usage: delivery dead-letters|replay|enable <sink>');
      if (sub === 'dead-letters') print(await w.deadLetters.list(sinkName, Number(option(args, '--limit') ?? 50)));
      else if (sub === 'enable') {
        await w.sinkSwitch.enable(sinkName);
        print({ sink: sinkName, enabled: true });
      } else if (sub === 'replay') {
        const sink = sinks.all.find((s) => s.name === sinkName) ?? usage(`delivery replay: sink ${sinkName} is not enabled in the config (enabled: ${sinks.all.map((s) => s.name).join(', ') || 'none'})`);
        print(await replayDeliveryDeadLetters(w.deadLetters, sink, args.includes('--all') ? 'all' : args, { records: w.records }));
      } else usage(`unknown delivery command ${sub ?? ''}; delivery dead-letters|replay|enable <sink>`);
      return 0;
    }
    return usage(`unknown projections command ${sub ?? ''}; projections status|rebuild <name>`);
  } finally {
    await Promise.all(sinks.all.map((s) => s.close?.()));
    redis.disconnect();
  }
}
