import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../support/decider-spec.js';
import { CounterClosedError, counterDecider } from './counter-decider.js';

const spec = deciderSpec(counterDecider);
const added = (by: number, total: number) => ({ type: 'Added' as const, data: { by, total } });

describe('deciderSpec over the counter decider', () => {
  describe('when given events and a command', () => {
    it('passes when decide returns the expected events', () => {
      spec.given([added(2, 2)]).when({ type: 'Add', by: 3 }).then([added(3, 5)]);
      spec.given([added(2, 2)]).when({ type: 'Add', by: 3 }).then(added(3, 5));
    });

    it('fails when decide returns other events', () => {
      expect(() => spec.given([added(2, 2)]).when({ type: 'Add', by: 3 }).then([added(3, 3)])).toThrow();
    });

    it('checks the state after the decided events', () => {
      spec.given([added(2, 2)]).when({ type: 'Close' }).thenState({ status: 'closed', total: 2 });
      expect(() => spec.given([added(2, 2)]).when({ type: 'Close' }).thenState({ status: 'open', total: 2 })).toThrow();
    });
  });

  describe('when the decider decides nothing', () => {
    it('passes thenNothingHappened and fails then with events', () => {
      const closed = spec.given([added(1, 1), { type: 'Closed', data: { total: 1 } }]).when({ type: 'Close' });
      closed.thenNothingHappened();
      expect(() => closed.then([{ type: 'Closed', data: { total: 1 } }])).toThrow();
      expect(() => spec.given([]).when({ type: 'Close' }).thenNothingHappened()).toThrow();
    });
  });

  describe('when the decider refuses the command', () => {
    const refused = () => spec.given([{ type: 'Closed', data: { total: 0 } }]).when({ type: 'Add', by: 1 });

    it('passes thenThrows with the error class or a predicate', () => {
      refused().thenThrows();
      refused().thenThrows(CounterClosedError);
      refused().thenThrows((e) => (e as CounterClosedError).code === 'COUNTER.CLOSED');
    });

    it('fails thenThrows when nothing is thrown or the error does not match', () => {
      expect(() => spec.given([]).when({ type: 'Add', by: 1 }).thenThrows()).toThrow(/expected to throw/);
      expect(() => refused().thenThrows(TypeError)).toThrow();
      expect(() => refused().thenThrows(() => false)).toThrow(/did not match/);
    });
  });
});
