import type { Db } from 'mongodb';
import type { IdentityDoc } from '../../customers/identity-store';
import { isDuplicateKey } from '../duplicate-key';

/**
 * Customers became per account: an identity's `_id` went from `phone:+E164` to
 * `<AccountSid>|phone:+E164` (with `accountSid` and `address` fields). Each old document gets the scoped
 * copy for the account its customer's earliest message was on (else its earliest call, else the first
 * configured account), with the SAME customer id, so its memory and history still answer. The customer's
 * messages on other accounts stay with it; on those accounts the number starts a new customer.
 *
 * Insert-only with unique `_id`s (FerretDB v1 has no transactions and loses concurrent updates), so
 * the gateway and the orchestrator may run it at once, and again. Old documents are kept (never read
 * any more: every lookup names the account) until a later release removes them.
 */
export async function scopeIdentitiesByAccount(db: Db, fallbackAccountSid: string | undefined): Promise<number> {
  const identities = db.collection<IdentityDoc>('identities');
  const messages = db.collection<{ customerId: string; accountSid: string; seq: Date }>('messages');
  const calls = db.collection<{ customerId?: string; accountSid: string; startedAt: Date }>('calls');
  let copied = 0;
  for await (const old of identities.find({ accountSid: { $exists: false } })) {
    const { customerId } = old;
    const accountSid =
      (await messages.find({ customerId }).sort({ seq: 1 }).limit(1).next())?.accountSid ??
      (await calls.find({ customerId }).sort({ startedAt: 1 }).limit(1).next())?.accountSid ??
      fallbackAccountSid;
    if (!accountSid) continue;
    try {
      await identities.insertOne({
        _id: `${accountSid}|${old._id}`,
        accountSid,
        address: old._id,
        customerId,
        createdAt: old.createdAt ?? new Date(),
      });
      copied++;
    } catch (error) {
      // Already copied (an earlier or concurrent run), or the account's own customer came first.
      if (!isDuplicateKey(error)) throw error;
    }
  }
  return copied;
}
