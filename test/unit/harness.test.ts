import { Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { PROJECT_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { testStack } from '../harness/stack';

describe('test stack', () => {
  it('runs a real Temporal server with the project search attributes registered', async () => {
    const connection = await Connection.connect({ address: testStack().temporalAddress });
    try {
      const attrs = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const name of PROJECT_SEARCH_ATTRIBUTES) expect(Object.keys(attrs.customAttributes ?? {})).toContain(name);
    } finally {
      await connection.close();
    }
  });

  it('runs a MongoDB-wire-compatible store that persists documents', async () => {
    const client = await MongoClient.connect(testStack().mongoUri);
    try {
      const col = client.db('harness_check').collection<{ _id: string; n: number }>('docs');
      await col.deleteMany({});
      await col.insertOne({ _id: 'a', n: 1 });
      expect(await col.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1 });
      await expect(col.insertOne({ _id: 'a', n: 2 })).rejects.toThrow(/duplicate key/i);
    } finally {
      await client.close();
    }
  });
});
