/**
 * The agent store on the real database: every version kept, the file synced only when its definition
 * of an agent changed (so an operator's edit stands), concurrent syncs agreeing, and the directory's
 * short cache making another process's change visible.
 */
import { MongoClient, type Db } from 'mongodb';
import { AgentStore } from '../../src/agents/agent-store';
import { AgentDefinitionSchema, type AgentDefinitionInput } from '../../src/agents/definition';
import { fileAgents, StoredAgentDirectory } from '../../src/agents/stored-agent-directory';
import { loadConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';
import { ConfigStore } from '../../src/config/store';
import { testStack, uniqueName } from '../harness/stack';

const sales = (instructions: string, extra: Partial<AgentDefinitionInput> = {}) =>
  AgentDefinitionSchema.parse({ id: 'sales', name: 'Sales', instructions, ...extra });

/** The configuration with these file agents (as if the file were edited and reloaded). */
function configWith(base: Config, agents: Config['agents']): Config {
  return { ...base, agents };
}

describe('the agent store', () => {
  let client: MongoClient;
  let db: Db;
  const base = loadConfig({});

  beforeAll(async () => {
    client = await MongoClient.connect(testStack().mongoUri);
    db = client.db(uniqueName('agents').replace(/-/g, '_'));
    await new AgentStore(db).ensureIndexes();
  });

  afterAll(async () => {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('syncs a file agent once per definition: an API edit stands until the file changes that agent', async () => {
    const store = new AgentStore(db);
    const v1 = configWith(base, [sales('Sell politely.')]);
    expect((await store.syncFromConfig(fileAgents(v1))).map((v) => [v.agentId, v.version, v.source])).toEqual([
      ['sales', 1, 'file'],
      ['default', 1, 'default'],
    ]);
    // Reloading the same file (another process, or a restart) adds nothing.
    expect(await new AgentStore(db).syncFromConfig(fileAgents(v1))).toEqual([]);

    const edited = await store.save(sales('Sell politely. Mention the spring offer.'));
    expect(edited).toMatchObject({ created: true, version: { version: 2, source: 'api' } });
    // The same edit again is no new version.
    expect(await store.save(sales('Sell politely. Mention the spring offer.'))).toMatchObject({
      created: false,
      version: { version: 2 },
    });
    // A file reload that did not change `sales` (another field of the file changed) keeps the API edit.
    const otherChange = { ...v1, voice: { ...v1.voice, greeting: 'Hello!' } };
    const synced = await new AgentStore(db).syncFromConfig(fileAgents(otherChange));
    expect(synced.map((v) => [v.agentId, v.version])).toEqual([['default', 2]]);
    expect((await store.current('sales'))?.definition.instructions).toBe('Sell politely. Mention the spring offer.');

    // The file's definition of `sales` changes: it wins again, as a new version; every version is kept.
    await new AgentStore(db).syncFromConfig(fileAgents(configWith(base, [sales('Sell briskly.')])));
    const versions = await store.versions('sales');
    expect(versions.map((v) => [v.version, v.source, v.definition.instructions])).toEqual([
      [1, 'file', 'Sell politely.'],
      [2, 'api', 'Sell politely. Mention the spring offer.'],
      [3, 'file', 'Sell briskly.'],
    ]);
    expect((await store.version('sales', 2))?.definition.instructions).toBe('Sell politely. Mention the spring offer.');
    // (The default agent followed the file's greeting there and back.)
    expect((await store.list()).map((v) => [v.agentId, v.version])).toEqual([
      ['default', 3],
      ['sales', 3],
    ]);
  });

  it('five processes syncing the same new file at once make exactly one version of it', async () => {
    const config = configWith(base, [sales('Race me.', { id: 'racer', name: 'Racer' })]);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => new AgentStore(db).syncFromConfig(fileAgents(config))),
    );
    const created = results.flat().filter((v) => v.agentId === 'racer');
    expect(created).toHaveLength(1);
    expect((await new AgentStore(db).versions('racer')).map((v) => v.version)).toEqual([1]);
  });

  it("the directory serves pinned versions, and another process's change after its cache interval", async () => {
    const config = new ConfigStore(configWith(base, [sales('Version one.', { id: 'cached', name: 'Cached' })]));
    let clock = 0;
    const directory = new StoredAgentDirectory(new AgentStore(db), config, { cacheMs: 1000, now: () => clock });
    expect(await directory.get('cached')).toMatchObject({ id: 'cached', version: 1, name: 'Cached' });
    // Another process (the operator API) stores version 2.
    await new AgentStore(db).save(sales('Version two.', { id: 'cached', name: 'Cached' }));
    clock = 500;
    expect((await directory.get('cached'))?.version).toBe(1);
    clock = 1001;
    expect((await directory.get('cached'))?.version).toBe(2);
    expect((await directory.get('cached', 1))?.definition.instructions).toBe('Version one.');
    expect(await directory.get('cached', 9)).toBeUndefined();
    expect(await directory.get('nobody')).toBeUndefined();
  });
});
