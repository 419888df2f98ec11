import type { Db } from 'mongodb';
import { defaultCustomerId, type IdentityDoc } from '../../customers/identity-store';
import { isDuplicateKey } from '../duplicate-key';

/**
 * Customers became per account: an identity's `_id` went from `phone:+E164` to
 * `<AccountSid>|phone:+E164` (with `accountSid` and `address` fields). Each old document gets the scoped
 * copy for the account its customer's earliest message was on (else its earliest call, else the first
 * configured account), with the SAME customer id, so its memory and history still answer. A customer
 * whose messages span several accounts keeps that first account; on each other account the address
 * becomes the customer that account would have created on first contact, and the messages of that
 * account move to it (so no account's agent reads another's history). The long-term summary stays with
 * the kept customer: the result lists those customers for an operator to review.
 *
 * Insert-only identities with unique `_id`s (FerretDB v1 has no transactions and loses concurrent
 * updates; the message moves set the same value on every run), so the gateway and the orchestrator
 * may run it at once, and again. Old documents are kept (never read any more: every lookup names the
 * account) until a later release removes them.
 */
export async function scopeIdentitiesByAccount(
  db: Db,
  fallbackAccountSid: string | undefined,
): Promise<{ copied: number; spanningCustomers: string[]; unassigned: string[] }> {
  const identities = db.collection<IdentityDoc>('identities');
  const messages = db.collection<{ customerId: string; accountSid: string; seq: Date }>('messages');
  const calls = db.collection<{ customerId?: string; accountSid: string; startedAt: Date }>('calls');
  const result = { copied: 0, spanningCustomers: [] as string[], unassigned: [] as string[] };
  const insert = async (doc: IdentityDoc) => {
    try {
      await identities.insertOne(doc);
      result.copied++;
    } catch (error) {
      // Already copied (an earlier or concurrent run), or the account's own customer came first.
      if (!isDuplicateKey(error)) throw error;
    }
  };
  for await (const old of identities.find({ accountSid: { $exists: false } })) {
    const { customerId } = old;
    const accountSid =
      (await messages.find({ customerId }).sort({ seq: 1 }).limit(1).next())?.accountSid ??
      (await calls.find({ customerId }).sort({ startedAt: 1 }).limit(1).next())?.accountSid ??
      fallbackAccountSid;
    if (!accountSid) {
      result.unassigned.push(old._id);
      continue;
    }
    const createdAt = old.createdAt ?? new Date();
    await insert({ _id: `${accountSid}|${old._id}`, accountSid, address: old._id, customerId, createdAt });
    const others = (await messages.distinct('accountSid', { customerId })).filter((a) => a !== accountSid);
    if (others.length > 0) result.spanningCustomers.push(customerId);
    for (const other of others) {
      const scoped = `${other}|${old._id}`;
      await insert({
        _id: scoped,
        accountSid: other,
        address: old._id,
        customerId: defaultCustomerId(scoped),
        createdAt,
      });
      // Whoever owns the address on that account now (this run's insert, or a first contact since).
      const owner = (await identities.findOne({ _id: scoped }))!.customerId;
      await messages.updateMany({ customerId, accountSid: other }, { $set: { customerId: owner } });
    }
  }
  return result;
}
