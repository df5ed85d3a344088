import { describeStateStoreContract } from './state-store-contract.js';
import { MEMORY_SCHEMA_VERSION, MemoryStateDatabase, MemoryStateStore } from './memory-state-store.js';

describeStateStoreContract('in-memory fake', () => {
  const database = new MemoryStateDatabase();
  return Promise.resolve({
    create: () => new MemoryStateStore(database),
    schemaVersions: () => Promise.resolve([...database.schemaVersions]),
    markFromFuture: () => {
      database.schemaVersions.push(MEMORY_SCHEMA_VERSION + 1);
      return Promise.resolve();
    },
    destroy: () => Promise.resolve(),
  });
});
