import { log } from '@temporalio/workflow';
import type { BelugaEvent } from '../platform';

/**
 * The smallest useful user workflow: writes the event to the worker's log (and the Web UI shows it
 * as the workflow's input). Bind it to `*` while exploring what events your traffic produces.
 */
export async function logEventWorkflow(event: BelugaEvent): Promise<void> {
  log.info('telephony event', { id: event.id, type: event.type, accountSid: event.accountSid, data: event.data });
}
