import type { Decider } from '../decider.js';
import type { AlarmChange, AlarmEvent, AlarmView, ResolveReason } from './alarm-events.js';

/**
 * The `Alarm` decider (Emmett's shape): pure `initialState`, `decide(command, state) → events`,
 * `evolve(state, event) → state`. One stream per alarm id (`alarmStream(id)`); the command handler reads the
 * stream, folds it with `evolve`, decides, and appends at the version it read.
 *
 * Repeating a command is harmless by construction: observing an unchanged alarm, resolving a resolved one or
 * resolving one never raised yields no events, so the poller can re-issue what it is unsure of (a crash between
 * append and index write, an overlapping history window) without writing anything twice.
 */
export type AlarmState =
  | { readonly status: 'unknown' }
  | { readonly status: 'firing'; readonly alarm: AlarmView }
  | { readonly status: 'resolved'; readonly alarm: AlarmView };

/** Time comes in on the command: `decide` never reads a clock. */
export interface CommandMetadata {
  readonly now: string;
}

/** The alarm was seen firing in a snapshot of the engine's current alarms (raises it, or updates what changed). */
export interface ObserveAlarm {
  readonly type: 'ObserveAlarm';
  readonly data: { readonly alarm: AlarmView };
  readonly metadata: CommandMetadata;
}

/**
 * The engine's history says it recovered (`engine_recovered`, `resolvedAt` = the engine's recover time), or
 * complete snapshots stopped showing it (`absent_from_snapshots`, `resolvedAt` = now). `alarm` is the engine's
 * last word on it, when known: an alarm that fired and recovered between two polls is raised, then resolved,
 * so that the platform still hears of it.
 */
export interface ResolveAlarm {
  readonly type: 'ResolveAlarm';
  readonly data: {
    readonly alarmId: string;
    readonly reason: ResolveReason;
    readonly resolvedAt: string;
    readonly alarm?: AlarmView;
  };
  readonly metadata: CommandMetadata;
}

export type AlarmCommand = ObserveAlarm | ResolveAlarm;

export const initialState = (): AlarmState => ({ status: 'unknown' });

export function changesBetween(before: AlarmView, after: AlarmView): AlarmChange[] {
  const changed: AlarmChange[] = [];
  if (before.severity !== after.severity) changed.push('severity');
  if (!Object.is(before.value, after.value)) changed.push('value');
  if (before.summary !== after.summary) changed.push('summary');
  return changed;
}

const firingView = (a: AlarmView): AlarmView => ({ ...a, status: 'firing', resolvedAt: null });

const resolvedView = (a: AlarmView, resolvedAt: string): AlarmView => ({
  ...a,
  status: 'resolved',
  // A recover time before the start (clock trouble at the engine) would make a negative alarm: clamp it.
  resolvedAt: Date.parse(resolvedAt) < Date.parse(a.startsAt) ? a.startsAt : resolvedAt,
});

function observe(command: ObserveAlarm, state: AlarmState): AlarmEvent[] {
  const seen = firingView(command.data.alarm);
  switch (state.status) {
    case 'unknown':
      return [{ type: 'AlarmRaised', data: { alarm: seen } }];
    case 'firing': {
      const changed = changesBetween(state.alarm, seen);
      if (changed.length === 0) return [];
      // The identity, the start and the rule are the alarm's (the rule id and name are Alertmanager labels: a change
      // would be a second alert); what the engine may change is taken from the observation — after an engine
      // switch, also the new engine's alarm id.
      const { severity, value, summary, lastSeenAt, engineAlarmId } = seen;
      const alarm: AlarmView = { ...state.alarm, severity, value, summary, lastSeenAt, engineAlarmId };
      return [{ type: 'AlarmUpdated', data: { alarm, changed } }];
    }
    case 'resolved':
      // Same identity firing again: a new episode only if it started after the resolve (labels-only identities,
      // where the engine has no alarm id); an old observation arriving late changes nothing.
      if (Date.parse(seen.startsAt) > Date.parse(state.alarm.resolvedAt ?? seen.startsAt)) {
        return [{ type: 'AlarmRaised', data: { alarm: seen } }];
      }
      return [];
    default:
      return unreachable(state);
  }
}

function resolve(command: ResolveAlarm, state: AlarmState): AlarmEvent[] {
  const { reason, resolvedAt, alarm } = command.data;
  switch (state.status) {
    case 'unknown':
      if (alarm === undefined) return [];
      return [
        { type: 'AlarmRaised', data: { alarm: firingView(alarm) } },
        { type: 'AlarmResolved', data: { alarm: resolvedView(firingView(alarm), resolvedAt), reason } },
      ];
    case 'firing':
      return [{ type: 'AlarmResolved', data: { alarm: resolvedView(state.alarm, resolvedAt), reason } }];
    case 'resolved':
      return [];
    default:
      return unreachable(state);
  }
}

export function decide(command: AlarmCommand, state: AlarmState): AlarmEvent[] {
  switch (command.type) {
    case 'ObserveAlarm':
      return observe(command, state);
    case 'ResolveAlarm':
      return resolve(command, state);
    default:
      return unreachable(command);
  }
}

export function evolve(state: AlarmState, event: AlarmEvent): AlarmState {
  switch (event.type) {
    case 'AlarmRaised':
    case 'AlarmUpdated':
      return { status: 'firing', alarm: event.data.alarm };
    case 'AlarmResolved':
      return { status: 'resolved', alarm: event.data.alarm };
    default:
      return unreachable(event);
  }
}

function unreachable(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

export const alarmDecider = { decide, evolve, initialState } satisfies Decider<AlarmState, AlarmCommand, AlarmEvent>;
