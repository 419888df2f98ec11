import { Router, type Response } from 'express';
import { z } from 'zod';
import type { ConfigStore } from '../config/store';
import type { IdentityStore } from '../customers/identity-store';
import type { CustomerMemoryStore } from '../memory/customer-memory';
import type { MessageStore } from '../memory/message-store';
import type { DeliveryStatusStore } from '../messaging/delivery-status';
import type { Logger } from '../observability/logger';
import type { ConsentStore } from '../messaging/consent-store';
import type { TakeoverStore } from '../takeover/takeover-store';
import { customerDetail } from './customer-history-routes';
import { AccountQuery, ApiError, handle } from './operator-api';
import { ensureVisible, scopedAccount } from './principal';

export interface CustomerRouteDeps {
  config: ConfigStore;
  identities: IdentityStore;
  messages: MessageStore;
  memory: CustomerMemoryStore;
  deliveryStatus: DeliveryStatusStore;
  consent: ConsentStore;
  takeovers: TakeoverStore;
  log: Logger;
}

const LinkBody = z.object({ address: z.string().min(3).max(320), accountSid: z.string().optional() });
/** A customer's addresses, or 404 when the customer is unknown, of another account than the one named, or not the operator's. */
async function customerAddresses(
  deps: CustomerRouteDeps,
  res: Response,
  customerId: string,
  named?: string,
): Promise<string[]> {
  const addresses = await deps.identities.addresses(customerId);
  const accountSid = await deps.identities.accountOf(customerId);
  if (addresses.length === 0 || (named && accountSid !== named))
    throw new ApiError(404, `customer ${customerId} not found`);
  ensureVisible(res, accountSid, `customer ${customerId}`);
  return addresses;
}

/** Operator view of customers: who they are across channels, what the agent remembers, history. */
export function customerRoutes(deps: CustomerRouteDeps): Router {
  const router = Router();

  router.get(
    '/customers/by-address/:address',
    handle(deps.log, async (req, res) => {
      const accountSid = scopedAccount(deps.config, res, AccountQuery.parse(req.query).accountSid);
      const customerId = await deps.identities.find(accountSid, String(req.params.address));
      if (!customerId) throw new ApiError(404, 'no customer has this address');
      res.json({ customerId });
    }),
  );

  router.get(
    '/customers/:id',
    handle(deps.log, async (req, res) => {
      const customerId = String(req.params.id);
      await customerAddresses(deps, res, customerId, AccountQuery.parse(req.query).accountSid);
      const accountSid = (await deps.identities.accountOf(customerId))!;
      // The console's CustomerDetail: memory, addresses, consent per number, who answers now.
      res.json(await customerDetail(deps, customerId, accountSid));
    }),
  );

  router.get(
    '/customers/:id/messages',
    handle(deps.log, async (req, res) => {
      const limit = z.coerce.number().int().min(1).max(500).default(50).parse(req.query.limit);
      const customerId = String(req.params.id);
      const named = AccountQuery.parse(req.query).accountSid;
      if (named) await customerAddresses(deps, res, customerId, named);
      else ensureVisible(res, await deps.identities.accountOf(customerId), `customer ${customerId}`);
      const history = await deps.messages.recent(String(req.params.id), limit);
      // Outbound messages show how far delivery got (callbacks are kept per Twilio sid).
      const messages = await Promise.all(
        history.map(async ({ mediaDigests: _digests, ...m }) => {
          const delivery = m.twilioSid ? await deps.deliveryStatus.get(m.twilioSid) : undefined;
          return delivery
            ? { ...m, status: delivery.status, ...(delivery.errorCode ? { errorCode: delivery.errorCode } : {}) }
            : m;
        }),
      );
      res.json({ messages });
    }),
  );

  router.post(
    '/customers/:id/addresses',
    handle(deps.log, async (req, res) => {
      const customerId = String(req.params.id);
      const { address, accountSid: named } = LinkBody.parse(req.body);
      await customerAddresses(deps, res, customerId, named);
      // The customer's own account: an operator never links an address across accounts by accident.
      const accountSid = (await deps.identities.accountOf(customerId))!;
      const outcome = await deps.identities.link(accountSid, address, customerId);
      if (typeof outcome === 'object')
        throw new ApiError(
          409,
          'conflictWith' in outcome
            ? `address already belongs to customer ${outcome.conflictWith}`
            : `customer belongs to account ${outcome.otherAccount}`,
        );
      res
        .status(outcome === 'linked' ? 201 : 200)
        .json({ customerId, addresses: await deps.identities.addresses(customerId) });
    }),
  );
  return router;
}
