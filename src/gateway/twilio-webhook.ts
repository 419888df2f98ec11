import type { NextFunction, Request, Response } from 'express';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import { isValidTwilioSignature, type TwilioWebhookParams } from '../telephony/twilio/signature';
import { signedUrlCandidates } from '../telephony/twilio/connection-overrides';

/**
 * Every /twilio/* request is checked against its account's auth token and the configured public
 * URL (Twilio signs the URL it called, which behind a tunnel is not the one we see; with or without
 * the connection overrides' fragment) before anything else happens. Failures get 403 and nothing starts.
 */
export function requireTwilioSignature(config: ConfigStore, log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const params = (req.body ?? {}) as TwilioWebhookParams;
    const accountSid = typeof params.AccountSid === 'string' ? params.AccountSid : undefined;
    const account = accountSid ? config.get().twilio.accounts.find((a) => a.accountSid === accountSid) : undefined;
    const url = `${config.get().publicUrl.replace(/\/+$/, '')}${req.originalUrl}`;
    const signature = req.header('x-twilio-signature');
    const valid =
      account &&
      signedUrlCandidates(url).some((candidate) =>
        isValidTwilioSignature({ authToken: account.authToken, url: candidate, params, signature }),
      );
    if (!valid) {
      log.warn(
        {
          path: req.path,
          accountSid,
          reason: !account ? 'unknown account' : signature ? 'bad signature' : 'missing signature',
        },
        'rejected Twilio webhook',
      );
      res.status(403).type('text/plain').send('Forbidden: invalid Twilio signature');
      return;
    }
    res.locals.twilioAccount = account;
    next();
  };
}
