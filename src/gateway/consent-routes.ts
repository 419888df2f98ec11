import { Router } from 'express';
import type { ConfigStore } from '../config/store';
import { identityKey } from '../messaging/addresses';
import type { ConsentStore } from '../messaging/consent-store';
import type { Logger } from '../observability/logger';
import { AccountQuery, ApiError, handle } from './operator-api';
import { scopedAccount } from './principal';

export interface ConsentRouteDeps {
  config: ConfigStore;
  consent: ConsentStore;
  log: Logger;
}

/** Operator view of consent: whether an address is opted out on an account, and every fact that decided it. */
export function consentRoutes(deps: ConsentRouteDeps): Router {
  const router = Router();
  router.get(
    '/consent/:address',
    handle(deps.log, async (req, res) => {
      const address = String(req.params.address).trim();
      if (address.length < 3 || address.length > 320) throw new ApiError(400, 'address: 3 to 320 characters');
      const accountSid = scopedAccount(deps.config, res, AccountQuery.parse(req.query).accountSid);
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
