import { TwilioApiError } from '../errors';
import type { Route } from '../router';
import { requirePathAccount } from './validation';

/**
 * An inbound message's media, as Twilio serves it with "Enforce HTTP Auth on Media URLs": the
 * MediaUrl on the API host requires the account's credentials and answers with a redirect to a
 * short-lived pre-signed URL elsewhere (Twilio's CDN; a test's media server here).
 */
const MEDIA = '/api/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}';

export const mediaRoutes: Route[] = [
  {
    method: 'GET',
    pattern: MEDIA,
    handler: (ctx) => {
      const accountSid = requirePathAccount(ctx);
      const media = ctx.store.media.get(ctx.pathParams.Sid ?? '');
      if (!media || media.accountSid !== accountSid || media.messageSid !== ctx.pathParams.MessageSid)
        throw new TwilioApiError(404, 20404, `The requested resource ${ctx.twilioPath} was not found`);
      return { status: 307, headers: { Location: media.location } };
    },
  },
];
