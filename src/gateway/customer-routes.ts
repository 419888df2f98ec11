import { Router } from 'express';
import { z } from 'zod';
import type { IdentityStore } from '../customers/identity-store';
import type { CustomerMemoryStore } from '../memory/customer-memory';
import type { MessageStore } from '../memory/message-store';
import type { DeliveryStatusStore } from '../messaging/delivery-status';
import type { Logger } from '../observability/logger';
import { ApiError, handle } from './operator-api';

export interface CustomerRouteDeps {
  identities: IdentityStore;
  messages: MessageStore;
  memory: CustomerMemoryStore;
  deliveryStatus: DeliveryStatusStore;
  log: Logger;
}

const LinkBody = z.object({ address: z.string().min(3).max(320) });

/** Operator view of customers: who they are across channels, what the agent remembers, history. */
export function customerRoutes(deps: CustomerRouteDeps): Router {
  const router = Router();

  router.get(
    '/customers/by-address/:address',
    handle(deps.log, async (req, res) => {
      const customerId = await deps.identities.find(String(req.params.address));
      if (!customerId) throw new ApiError(404, 'no customer has this address');
      res.json({ customerId });
    }),
  );

  router.get(
    '/customers/:id',
    handle(deps.log, async (req, res) => {
      const customerId = String(req.params.id);
      const addresses = await deps.identities.addresses(customerId);
      if (addresses.length === 0) throw new ApiError(404, `customer ${customerId} not found`);
      const memory = await deps.memory.get(customerId);
      res.json({
        customerId,
        addresses,
        memory: memory ? { summary: memory.summary, updatedAt: memory.updatedAt } : null,
      });
    }),
  );

  router.get(
    '/customers/:id/messages',
    handle(deps.log, async (req, res) => {
      const limit = z.coerce.number().int().min(1).max(500).default(50).parse(req.query.limit);
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
      const { address } = LinkBody.parse(req.body);
      if ((await deps.identities.addresses(customerId)).length === 0)
        throw new ApiError(404, `customer ${customerId} not found`);
      const outcome = await deps.identities.link(address, customerId);
      if (typeof outcome === 'object')
        throw new ApiError(409, `address already belongs to customer ${outcome.conflictWith}`);
      res
        .status(outcome === 'linked' ? 201 : 200)
        .json({ customerId, addresses: await deps.identities.addresses(customerId) });
    }),
  );
  return router;
}
