/**
 * The decider, as Emmett and EventSourcing.NodeJS shape an aggregate: all three functions are pure. Time and
 * anything else from the outside arrive on the command, never from inside `decide`.
 * Domain deciders may declare `satisfies Decider<…>`; `handleCommand` accepts any object of this shape.
 */
export interface Decider<State, Command, Event> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  /** One event, several, or none (`[]`: nothing to record). Throws a domain error to refuse the command. */
  decide(command: Command, state: State): Event | readonly Event[];
}

/** `decide`'s answer as an array. */
export const decidedEvents = <Event>(decided: Event | readonly Event[]): readonly Event[] =>
  Array.isArray(decided) ? (decided as readonly Event[]) : [decided as Event];
