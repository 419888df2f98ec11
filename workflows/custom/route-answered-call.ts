import { log } from '@temporalio/workflow';
import { customActivities, platform, type BelugaEvent } from '../platform';

const { lookupCrmRouting } = customActivities({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });

/**
 * Example: when a call is answered, log it, look the caller up in the CRM and, when the CRM
 * names an account manager, transfer the call there. Unknown callers stay with the AI agent.
 * Bind it: `{ "name": "route-answered", "events": ["call.answered"], "workflow": "routeAnsweredCallWorkflow" }`.
 */
export async function routeAnsweredCallWorkflow(event: BelugaEvent<'call.answered'>): Promise<{ routedTo?: string }> {
  const { callSid, from, direction } = event.data;
  log.info('call answered', { callSid, from, direction });
  // Calls we placed ourselves are already where they should be.
  if (direction && direction !== 'inbound') return {};
  const crm = await lookupCrmRouting({ phone: from });
  if (!crm.routeTo) return {};
  await platform.transferCall({
    callSid,
    to: crm.routeTo,
    ...(event.accountSid ? { accountSid: event.accountSid } : {}),
    announce: crm.name
      ? `Connecting you to your account manager, ${crm.name}.`
      : 'Connecting you to your account manager.',
  });
  log.info('call routed', { callSid, routeTo: crm.routeTo, tier: crm.tier });
  return { routedTo: crm.routeTo };
}
