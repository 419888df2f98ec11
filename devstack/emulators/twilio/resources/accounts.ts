import type { Route } from '../router';
import { requirePathAccount } from './validation';

/**
 * `GET /2010-04-01/Accounts/{Sid}.json`: the authenticated account itself (what `/health` fetches
 * to learn whether the credentials work). Only the fields Twilio always returns that we read.
 */
export const accountRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/api/2010-04-01/Accounts/{AccountSid}.json',
    handler: (ctx) => {
      const sid = requirePathAccount(ctx);
      return {
        status: 200,
        body: {
          sid,
          owner_account_sid: sid,
          friendly_name: `Emulated account ${sid}`,
          status: 'active',
          type: 'Full',
          uri: `/2010-04-01/Accounts/${sid}.json`,
        },
      };
    },
  },
];
