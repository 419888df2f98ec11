import { MongoClient, type Db } from 'mongodb';
import { VerificationStore } from '../../src/customers/verification-store';
import { testStack, uniqueName } from '../harness/stack';

describe('verification codes', () => {
  let client: MongoClient;
  let db: Db;
  let store: VerificationStore;
  const NUMBER = '+14155550100';
  const at = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 10, minutes));
  const request = (callSid: string, n: number) => ({
    id: `${callSid}:toolu_${n}`,
    callSid,
    accountSid: 'AC1',
    address: NUMBER,
  });

  beforeAll(async () => {
    client = await MongoClient.connect(testStack().mongoUri);
    db = client.db(uniqueName('verify').replace(/-/g, '_'));
    store = new VerificationStore(db);
    await store.ensureIndexes();
  });

  afterAll(async () => {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('are 6 random digits, stored as a salted hash, never in plain text', async () => {
    const issued = await store.issue(request('CA_hash', 1), at(0));
    if (issued.status !== 'issued') throw new Error(issued.status);
    expect(issued.code).toMatch(/^\d{6}$/);
    const doc = await db.collection('verification_codes').findOne({ _id: 'CA_hash:toolu_1' as never });
    expect(JSON.stringify(doc)).not.toContain(issued.code);
    expect(doc).toMatchObject({ address: NUMBER, checks: 0 });
    expect(typeof doc?.salt).toBe('string');
    expect(typeof doc?.hash).toBe('string');
    // The same code for another call hashes differently (a salt per code).
    const other = await store.issue(request('CA_hash2', 1), at(0));
    const otherDoc = await db.collection('verification_codes').findOne({ _id: 'CA_hash2:toolu_1' as never });
    expect(otherDoc?.salt).not.toBe(doc?.salt);
    expect(other.status).toBe('issued');
  });

  it('verify the right code, say a wrong one is wrong, and allow 5 checks per code', async () => {
    const issued = await store.issue({ ...request('CA_check', 1), address: '+14155550101' }, at(0));
    if (issued.status !== 'issued') throw new Error(issued.status);
    const wrong = issued.code === '000000' ? '000001' : '000000';
    expect(await store.check('CA_check', wrong, at(1))).toEqual({ status: 'wrong', checksLeft: 4 });
    expect(await store.check('CA_check', issued.code, at(1))).toEqual({ status: 'verified' });
    for (let i = 0; i < 3; i++) await store.check('CA_check', wrong, at(1));
    // Five checks used: even the right code is refused now.
    expect(await store.check('CA_check', issued.code, at(1))).toEqual({ status: 'exhausted' });
  });

  it('expire after 10 minutes; a call without a code has none', async () => {
    const issued = await store.issue({ ...request('CA_expiry', 1), address: '+14155550102' }, at(0));
    if (issued.status !== 'issued') throw new Error(issued.status);
    expect(await store.check('CA_expiry', issued.code, at(10))).toEqual({ status: 'expired' });
    expect(await store.check('CA_none', '123456', at(0))).toEqual({ status: 'none' });
  });

  it('at most 3 per call, 3 per number per hour; a retried tool call replaces its own code', async () => {
    const address = '+14155550103';
    for (const n of [1, 2, 3])
      expect((await store.issue({ ...request('CA_rate', n), address }, at(0))).status).toBe('issued');
    expect((await store.issue({ ...request('CA_rate', 3), address }, at(1))).status).toBe('issued');
    expect(await store.issue({ ...request('CA_rate', 4), address }, at(1))).toEqual({
      status: 'limited',
      reason: 'call',
    });
    expect(await store.issue({ ...request('CA_rate_b', 1), address }, at(30))).toEqual({
      status: 'limited',
      reason: 'number',
    });
    // An hour after the first three, the number may get a code again.
    expect((await store.issue({ ...request('CA_rate_b', 1), address }, at(62))).status).toBe('issued');
  });
});
