import { MongoClient, type Db } from 'mongodb';
import { TakeoverStore } from '../../src/takeover/takeover-store';
import { testStack, uniqueName } from '../harness/stack';

const ACCOUNT_A = 'AC' + 'a3'.repeat(16);
const ACCOUNT_B = 'AC' + 'b3'.repeat(16);

describe('TakeoverStore', () => {
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    client = await MongoClient.connect(testStack().mongoUri);
    db = client.db(uniqueName('takeover').replace(/-/g, '_'));
  });

  afterAll(async () => {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('keeps the newest revision: a late retry of an older write changes nothing, and fields left out are gone', async () => {
    const store = new TakeoverStore(db);
    const base = { customerId: 'cus_rev', accountSid: ACCOUNT_A };
    expect(
      await store.save({ ...base, state: 'human', operatorName: 'Ada', since: '2026-01-01T00:00:00.000Z' }, 10),
    ).toBe(true);
    expect(await store.save({ ...base, state: 'agent' }, 20)).toBe(true);
    expect(await store.save({ ...base, state: 'human', operatorName: 'Ada' }, 15)).toBe(false);
    expect(await store.get('cus_rev')).toEqual({ ...base, state: 'agent' });
    expect(await store.get('cus_unknown')).toBeUndefined();
  });

  it('lists waiting and human conversations of the accounts asked for, oldest first', async () => {
    const store = new TakeoverStore(db);
    await store.save(
      { customerId: 'cus_w2', accountSid: ACCOUNT_A, state: 'waiting', since: '2026-01-02T00:00:00.000Z' },
      1,
    );
    await store.save(
      { customerId: 'cus_w1', accountSid: ACCOUNT_A, state: 'waiting', since: '2026-01-01T00:00:00.000Z' },
      1,
    );
    await store.save(
      { customerId: 'cus_h', accountSid: ACCOUNT_A, state: 'human', since: '2026-01-03T00:00:00.000Z' },
      1,
    );
    await store.save(
      { customerId: 'cus_b', accountSid: ACCOUNT_B, state: 'waiting', since: '2026-01-01T00:00:00.000Z' },
      1,
    );
    const ids = async (filter: Parameters<TakeoverStore['list']>[0]) =>
      (await store.list(filter)).map((t) => t.customerId);
    expect(await ids({ state: 'waiting', accounts: [ACCOUNT_A], limit: 10 })).toEqual(['cus_w1', 'cus_w2']);
    expect(await ids({ accounts: [ACCOUNT_A], limit: 10 })).toEqual(['cus_w1', 'cus_w2', 'cus_h']);
    expect(await ids({ state: 'waiting', accounts: 'all', limit: 10 })).toEqual(['cus_b', 'cus_w1', 'cus_w2']);
    expect(await ids({ state: 'human', accounts: [ACCOUNT_B], limit: 10 })).toEqual([]);
    expect(await store.statesOf(['cus_h', 'cus_b', 'cus_none'])).toEqual(
      new Map([
        ['cus_h', 'human'],
        ['cus_b', 'waiting'],
      ]),
    );
  });
});
