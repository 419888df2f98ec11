import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { tracer } from '../observability/tracing';

/** One span per Twilio webhook (signature refusals included), the rest of the handling inside it. */
export function traceTwilioWebhooks() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const body = req.body as Record<string, unknown> | undefined;
    const span = tracer().startSpan(`twilio ${req.method} ${req.baseUrl}${req.path}`, {
      attributes: {
        'http.request.method': req.method,
        'url.path': `${req.baseUrl}${req.path}`,
        ...(typeof body?.AccountSid === 'string' ? { 'twilio.account_sid': body.AccountSid } : {}),
        ...(typeof body?.CallSid === 'string' ? { 'twilio.call_sid': body.CallSid } : {}),
        ...(typeof body?.MessageSid === 'string' ? { 'twilio.message_sid': body.MessageSid } : {}),
      },
    });
    res.on('finish', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(context.active(), span), next);
  };
}
