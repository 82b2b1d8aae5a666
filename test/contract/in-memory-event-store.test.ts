import { InMemoryEventStore } from '../../src/application/event-store/in-memory-event-store.js';
import { InMemoryProjectionCheckpoints } from '../../src/application/event-store/in-memory-projection-checkpoints.js';
import { describeEventStoreContract } from './event-store.contract.js';
import { describeCheckpointsContract } from './projection-checkpoints.contract.js';

describeEventStoreContract('InMemoryEventStore', async () => {
  const store = new InMemoryEventStore();
  return { store, connect: async () => store, close: async () => {} };
});

describeCheckpointsContract('InMemoryProjectionCheckpoints', async () => {
  const checkpoints = new InMemoryProjectionCheckpoints();
  return { checkpoints, connect: async () => checkpoints, close: async () => {} };
});
