import { handleCommand } from '../event-store/handle-command.js';
import type { EventStore, RecordedEvent } from '../ports/event-store.js';
import { ruleDecider, ruleStream, RULE_CATEGORY, type RuleCommand, type RuleEvent, type RuleState } from '../../domain/rules/rule-decider.js';

export type ActiveRule = Extract<RuleState, { status: 'active' }>;

/** Decide and append one rule command; the key that asked is recorded as the actor. Returns the new state. */
export const executeRuleCommand = async (store: EventStore, command: RuleCommand, actor: string): Promise<RuleState> => {
  const result = await handleCommand(store, ruleStream(command.ruleId), ruleDecider, command, { metadata: { actor } });
  return result.newState;
};

export const getRule = async (store: EventStore, ruleId: string): Promise<RuleState> => {
  const { events } = await store.readStream<RuleEvent>(ruleStream(ruleId));
  return events.reduce(ruleDecider.evolve, ruleDecider.initialState());
};

const PAGE = 1_000;

/**
 * Every rule, folded from the category log. Rules are few (hundreds) and change rarely, so a read of the log is
 * cheap enough; a read model would be the next step past thousands.
 */
export const listRules = async (store: EventStore): Promise<{ active: ActiveRule[]; deleted: string[] }> => {
  const states = new Map<string, RuleState>();
  for (let after: string | null = null; ; ) {
    const page: RecordedEvent<RuleEvent>[] = await store.readCategory<RuleEvent>(RULE_CATEGORY, { after, maxCount: PAGE });
    for (const e of page) states.set(e.data.ruleId, ruleDecider.evolve(states.get(e.data.ruleId) ?? ruleDecider.initialState(), e));
    if (page.length < PAGE) break;
    after = page[page.length - 1]?.position ?? null;
  }
  const all = [...states.values()];
  return {
    active: all.filter((s): s is ActiveRule => s.status === 'active').sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.ruleId.localeCompare(b.ruleId)),
    deleted: all.flatMap((s) => (s.status === 'deleted' ? [s.ruleId] : [])),
  };
};
