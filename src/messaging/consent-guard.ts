import { ApplicationFailure } from '@temporalio/common';
import { makeEvent } from '../events/make-event';
import type { PublishEvent } from '../events/publish';
import type { ConsentStore } from './consent-store';

export interface ConsentDeps {
  consent: ConsentStore;
  publish: PublishEvent;
}

/** Twilio's "Attempt to send to unsubscribed recipient": the address opted out at Twilio. */
export const TWILIO_UNSUBSCRIBED = 21610;

interface Outbound {
  accountSid: string;
  from: string;
  to: string;
  /** Unique per attempted send (its idempotency key or call request): the refusal event's id. */
  key: string;
}

/**
 * Nothing leaves for an opted-out address: a send to one publishes `consent.send_refused` and
 * fails with a non-retryable `OptedOut` (it stays opted out until the person sends START).
 */
export async function refuseIfOptedOut(deps: ConsentDeps, out: Outbound, kind: 'message' | 'call'): Promise<void> {
  if (!(await deps.consent.isOptedOut(out.accountSid, out.to))) return;
  await deps.publish(
    makeEvent('consent.send_refused', {
      id: `consent.send_refused:${out.key}`,
      source: 'beluga',
      accountSid: out.accountSid,
      data: { to: out.to, from: out.from, kind, reason: 'opted_out' },
    }),
  );
  throw ApplicationFailure.nonRetryable(
    `${out.to} has opted out (replied STOP) on this account: no ${kind === 'call' ? 'call' : 'message'} is sent until they reply START`,
    'OptedOut',
  );
}

/** Twilio refused a send with 21610: the address is opted out here too, from now on. */
export async function recordTwilioOptOut(deps: ConsentDeps, out: Outbound): Promise<void> {
  const source = `twilio${TWILIO_UNSUBSCRIBED}:${out.key}`;
  const recorded = await deps.consent.record({
    accountSid: out.accountSid,
    address: out.to,
    to: out.from,
    action: 'opt_out',
    source,
    at: new Date(),
  });
  if (!recorded) return;
  await deps.publish(
    makeEvent('consent.opted_out', {
      id: `consent.opted_out:${source}`,
      source: 'beluga',
      accountSid: out.accountSid,
      data: { address: out.to, to: out.from, via: `twilio:${TWILIO_UNSUBSCRIBED}` },
    }),
  );
}
