import { expect } from 'vitest';
import { decidedEvents, type Decider } from '../../src/domain/decider.js';

/**
 * Given/when/then for deciders: `given` past events (folded with `evolve` from `initialState`), `when` a
 * command, `then` the events `decide` returns — or `thenNothingHappened`, or `thenThrows`.
 *
 *   const spec = deciderSpec(alarmDecider);
 *   spec.given([raised]).when(resolve).then([resolved]);
 *   spec.given([]).when(resolve).thenThrows((e) => e.code === 'ALARM.NOT_FOUND');
 */
export interface DeciderSpec<State, Command, Event> {
  given(events: readonly Event[]): {
    when(command: Command): {
      then(expected: Event | readonly Event[]): void;
      thenNothingHappened(): void;
      /** A predicate on the error, or an Error class it must be an instance of. */
      thenThrows(check?: ((error: unknown) => boolean) | (abstract new (...args: never[]) => Error)): void;
      /** The state after folding the given events and the decided ones, for assertions on evolve. */
      thenState(expected: State): void;
    };
  };
}

export const deciderSpec = <State, Command, Event>(decider: Decider<State, Command, Event>): DeciderSpec<State, Command, Event> => ({
  given: (events) => {
    const fold = (from: State, list: readonly Event[]): State => list.reduce((s, e) => decider.evolve(s, e), from);
    return {
      when: (command) => {
        const decide = (): readonly Event[] => decidedEvents(decider.decide(command, fold(decider.initialState(), events)));
        return {
          then: (expected) => {
            expect(decide()).toEqual(decidedEvents(expected));
          },
          thenNothingHappened: () => {
            expect(decide()).toEqual([]);
          },
          thenThrows: (check) => {
            let thrown: unknown;
            let threw = false;
            try {
              decide();
            } catch (error) {
              threw = true;
              thrown = error;
            }
            expect(threw, 'decide was expected to throw').toBe(true);
            if (check === undefined) return;
            if (check.prototype instanceof Error || check === Error) expect(thrown).toBeInstanceOf(check);
            else expect((check as (error: unknown) => boolean)(thrown), `error did not match: ${String(thrown)}`).toBe(true);
          },
          thenState: (expected) => {
            const before = fold(decider.initialState(), events);
            expect(fold(before, decide())).toEqual(expected);
          },
        };
      },
    };
  },
});
