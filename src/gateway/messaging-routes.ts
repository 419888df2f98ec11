import { Router } from 'express';
import twilio from 'twilio';
import { parseInboundMessage, type FormParams } from '../messaging/inbound';
import { parseStatusCallback } from '../messaging/status-callback';
import { sendKeyOf } from '../telephony/twilio/send-key';
import type { Logger } from '../observability/logger';
import type { DurableAcceptance } from '../inbox/durable-acceptance';
import { acceptThenAnswer, parsedOr400 } from './workflow-handoff';

export interface MessagingRouteDeps {
  acceptance: DurableAcceptance;
  log: Logger;
}

const EMPTY_TWIML = new twilio.twiml.MessagingResponse().toString();

/** Inbound SMS/MMS/WhatsApp and their delivery status: acknowledged once durable (Temporal or the inbox). */
export function messagingRoutes(deps: MessagingRouteDeps): Router {
  const router = Router();
  router.post('/inbound', async (req, res) => {
    const message = parsedOr400(res, () => parseInboundMessage(req.body as FormParams));
    if (!message) return;
    await acceptThenAnswer(deps.acceptance, { kind: 'inbound-message', message }, res, deps.log, () => {
      deps.log.info({ messageSid: message.messageSid, channel: message.channel }, 'inbound message accepted');
      res.type('text/xml').send(EMPTY_TWIML);
    });
  });

  router.post('/status', async (req, res) => {
    const callback = parsedOr400(res, () =>
      parseStatusCallback(req.body as FormParams, new Date(), sendKeyOf(req.query)),
    );
    if (!callback) return;
    await acceptThenAnswer(deps.acceptance, { kind: 'message-status', callback }, res, deps.log, () => {
      res.status(204).end();
    });
  });
  return router;
}
