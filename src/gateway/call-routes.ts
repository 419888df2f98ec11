import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
} from '@temporalio/client';
import { createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import type { MessageStore } from '../memory/message-store';
import type { CallStore } from '../voice/call-store';
import {
  PLACE_OUTBOUND_CALL_WORKFLOW,
  outboundCallWorkflowId,
  type PlaceOutboundCallWorkflow,
} from '../../workflows/outbound-call/contract';
import { ApiError, handle } from './operator-api';
import { requestIdempotencyKey } from './idempotency-keys';
import { ensureVisible, principalOf, scopedAccount, visibleAccounts } from './principal';

export interface CallRouteDeps {
  config: ConfigStore;
  temporal: Client;
  calls: CallStore;
  messages: MessageStore;
  log: Logger;
}

const SearchQuery = z.object({
  q: z.string().trim().min(2, 'at least 2 characters').max(200),
  customerId: z
    .string()
    .regex(/^cus_[0-9a-f]+$/, 'must be a customer id (cus_…)')
    .optional(),
  accountSid: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be an account sid (AC…)')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const PlaceCallBody = z.object({
  to: z
    .string()
    .trim()
    .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +14155550100'),
  from: z
    .string()
    .trim()
    .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +14155550100')
    .optional(),
  accountSid: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex characters')
    .optional(),
  record: z.boolean().optional(),
});

/** A workflow id part from an operator's key: scoped by the credential presented, and free of the key's own characters. */
function keyedId(req: Request, key: string): string {
  const credential = req.header('x-api-key') ?? req.header('authorization') ?? '';
  return createHash('sha256').update(`${credential}\u0000${key}`).digest('hex').slice(0, 32);
}

/** The `OptedOut` refusal's message when that is why the call was not placed (the callee replied STOP). */
function optedOutFailure(error: unknown): string | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ApplicationFailure && cause.type === 'OptedOut') return cause.message;
  }
  return undefined;
}

/** Operator API for calls: place an outbound call (same agent loop as inbound), read a call's record and transcript. */
export function callRoutes(deps: CallRouteDeps): Router {
  const router = Router();
  router.post(
    '/calls',
    handle(deps.log, async (req, res) => {
      const parsed = PlaceCallBody.parse(req.body);
      // An operator of some accounts places calls from one of theirs (the root key: any, as before).
      const body =
        principalOf(res).accounts === 'all' && !parsed.accountSid
          ? parsed
          : { ...parsed, accountSid: scopedAccount(deps.config, res, parsed.accountSid) };
      const key = requestIdempotencyKey(res);
      // With an Idempotency-Key the workflow id is the key's: a retry whose first answer was lost
      // (or whose gateway died mid-request) joins the same placement or reads its result, and a
      // failed placement may be tried again under the same key.
      const workflowId = outboundCallWorkflowId(key ? keyedId(req, key) : randomUUID());
      try {
        let callSid: string;
        try {
          ({ callSid } = await deps.temporal.workflow.execute<PlaceOutboundCallWorkflow>(PLACE_OUTBOUND_CALL_WORKFLOW, {
            workflowId,
            taskQueue: deps.config.get().temporal.taskQueue,
            args: [body],
            workflowExecutionTimeout: '2 minutes',
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          }));
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          ({ callSid } = await deps.temporal.workflow.getHandle<PlaceOutboundCallWorkflow>(workflowId).result());
        }
        res.status(201).json({ callSid });
      } catch (error) {
        const refusal = optedOutFailure(error);
        if (refusal) throw new ApiError(409, refusal);
        if (error instanceof WorkflowFailedError)
          throw new ApiError(502, `Twilio did not place the call: ${error.cause?.message ?? error.message}`);
        throw error;
      }
    }),
  );
  router.get(
    '/calls/:callSid',
    handle(deps.log, async (req, res) => {
      const callSid = String(req.params.callSid);
      if (!/^CA[0-9a-fA-F]{32}$/.test(callSid)) throw new ApiError(400, 'callSid: must be a Twilio call sid');
      const record = await deps.calls.get(callSid);
      if (!record) throw new ApiError(404, `no call ${callSid}`);
      ensureVisible(res, record.accountSid, `call ${callSid}`);
      res.json(record);
    }),
  );
  /** Call transcripts and messages alike (every turn of a call is in the customer's history). */
  router.get(
    '/transcripts/search',
    handle(deps.log, async (req, res) => {
      const query = SearchQuery.parse(req.query);
      // Only the operator's accounts: the one named, else each they see (the root key: all at once).
      const accounts =
        query.accountSid || principalOf(res).accounts !== 'all'
          ? query.accountSid
            ? [scopedAccount(deps.config, res, query.accountSid)]
            : visibleAccounts(deps.config, res)
          : [undefined];
      const found = await Promise.all(
        accounts.map((accountSid) =>
          deps.messages.search(query.q, {
            limit: query.limit,
            ...(query.customerId ? { customerId: query.customerId } : {}),
            ...(accountSid ? { accountSid } : {}),
          }),
        ),
      );
      const hits =
        found.length === 1
          ? found[0]!
          : found
              .flat()
              .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
              .slice(0, query.limit);
      res.json({
        hits: hits.map((m) => ({
          customerId: m.customerId,
          channel: m.channel,
          direction: m.direction,
          body: m.body,
          at: m.createdAt.toISOString(),
          ...(m.id.startsWith('call:') ? { callSid: m.id.split(':')[1] } : { messageId: m.id }),
        })),
      });
    }),
  );
  return router;
}
