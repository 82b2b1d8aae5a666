import type { Decider } from '../../../src/domain/decider.js';

/** A small decider for tests of the event-store tooling: a counter that can be added to and closed. */
export type CounterEvent =
  | { readonly type: 'Added'; readonly data: { readonly by: number; readonly total: number } }
  | { readonly type: 'Closed'; readonly data: { readonly total: number } };
export type CounterCommand = { readonly type: 'Add'; readonly by: number } | { readonly type: 'Close' };
export type CounterState = { readonly status: 'open'; readonly total: number } | { readonly status: 'closed'; readonly total: number };

export class CounterClosedError extends Error {
  readonly code = 'COUNTER.CLOSED';
}

export const counterDecider = {
  initialState: () => ({ status: 'open', total: 0 }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'Added':
        return { status: 'open', total: event.data.total };
      case 'Closed':
        return { status: 'closed', total: state.total };
    }
  },
  decide: (command, state) => {
    if (state.status === 'closed') {
      if (command.type === 'Close') return [];
      throw new CounterClosedError('counter is closed');
    }
    switch (command.type) {
      case 'Add':
        return { type: 'Added', data: { by: command.by, total: state.total + command.by } };
      case 'Close':
        return { type: 'Closed', data: { total: state.total } };
    }
  },
} satisfies Decider<CounterState, CounterCommand, CounterEvent>;
