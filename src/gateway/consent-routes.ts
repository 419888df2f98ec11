import { Router } from 'express';
import { z } from 'zod';
import type { ConfigStore } from '../config/store';
import { identityKey } from '../messaging/addresses';
import type { ConsentStore } from '../messaging/consent-store';
import type { Logger } from '../observability/logger';
import { ApiError, handle } from './operator-api';

export interface ConsentRouteDeps {
  config: ConfigStore;
  consent: ConsentStore;
  log: Logger;
}

const ConsentQuery = z.object({
  accountSid: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex characters')
    .optional(),
});

/** Operator view of consent: whether an address is opted out on an account, and every fact that decided it. */
export function consentRoutes(deps: ConsentRouteDeps): Router {
  const router = Router();
  router.get(
    '/consent/:address',
    handle(deps.log, async (req, res) => {
      const address = String(req.params.address).trim();
      if (address.length < 3 || address.length > 320) throw new ApiError(400, 'address: 3 to 320 characters');
      const query = ConsentQuery.parse(req.query);
      // Without accountSid: the first configured account (the usual single-tenant setup).
      const accountSid = query.accountSid ?? deps.config.get().twilio.accounts[0]?.accountSid;
      if (!accountSid) throw new ApiError(400, 'accountSid: no Twilio account is configured');
      const state = await deps.consent.state(accountSid, address);
      res.json({
        accountSid,
        address: identityKey(address),
        optedOut: state.optedOut,
        ...(state.since ? { since: state.since.toISOString() } : {}),
        history: state.history.map((f) => ({ action: f.action, to: f.to, source: f.source, at: f.at.toISOString() })),
      });
    }),
  );
  return router;
}
