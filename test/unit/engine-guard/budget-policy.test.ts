import { describe, expect, it } from 'vitest';
import { budgetPolicy, classCeiling, limitOf, paceWindowMs, provisionalBoundMs } from '../../../src/application/engine-guard/budget-policy.js';

const p = budgetPolicy(); // cap 100, reserve 10% interactive + 10% poll
const none = { interactive: false, poll: false };

describe('classCeiling', () => {
  describe('when no higher class shows demand', () => {
    it('lets bulk fill the whole window', () => {
      expect(classCeiling('bulk', 100, none, p)).toBe(100);
      expect(classCeiling('poll', 100, none, p)).toBe(100);
    });
  });

  describe('when interactive calls are waiting', () => {
    const demand = { interactive: true, poll: false };
    it('holds the interactive share back from poll and bulk, not from interactive', () => {
      expect(classCeiling('interactive', 100, demand, p)).toBe(100);
      expect(classCeiling('poll', 100, demand, p)).toBe(90);
      expect(classCeiling('bulk', 100, demand, p)).toBe(90);
    });
  });

  describe('when interactive calls and polls are waiting', () => {
    const demand = { interactive: true, poll: true };
    it('stops bulk below both reserves and poll below the interactive one', () => {
      expect(classCeiling('bulk', 100, demand, p)).toBe(80);
      expect(classCeiling('poll', 100, demand, p)).toBe(90);
    });
    it('scales the reserves with a cut rate and still leaves every class one call', () => {
      expect(classCeiling('bulk', 50, demand, p)).toBe(40);
      expect(classCeiling('bulk', 2, demand, p)).toBe(1);
      expect(classCeiling('poll', 1, demand, p)).toBe(1);
    });
  });
});

describe('budgetPolicy', () => {
  it('bounds an unanswered request by validity plus transit, and paces bulk just under the window', () => {
    expect(provisionalBoundMs(p)).toBe(100);
    expect(provisionalBoundMs(budgetPolicy({ validityMs: 10, transitMs: 0 }))).toBe(10);
    expect(paceWindowMs(p)).toBe(1020);
    expect(() => budgetPolicy({ validityMs: 0 })).toThrow(/validityMs/);
  });
  it('floors fractional rates to whole calls, never below one', () => {
    expect(limitOf(49.9)).toBe(49);
    expect(limitOf(0.2)).toBe(1);
  });
  it('rejects reserves that leave bulk nothing, and a floor above the cap', () => {
    expect(() => budgetPolicy({ reserveShare: { interactive: 0.6, poll: 0.4 } })).toThrow(/reserve/);
    expect(() => budgetPolicy({ capPerSecond: 10, minRate: 20 })).toThrow(/minRate/);
    expect(() => budgetPolicy({ decreaseFactor: 1 })).toThrow(/factor/);
  });
  it('merges nested overrides with the defaults', () => {
    const q = budgetPolicy({ latency: { ceilingMs: 800 }, reserveShare: { poll: 0.2 } });
    expect(q.latency.riseFactor).toBe(2);
    expect(q.latency.ceilingMs).toBe(800);
    expect(q.reserveShare).toEqual({ interactive: 0.1, poll: 0.2 });
  });
});
