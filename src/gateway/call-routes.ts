import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
} from '@temporalio/client';
import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import type { MessageStore } from '../memory/message-store';
import type { CallCursor, CallRecord, CallStore } from '../voice/call-store';
import type { CallOutcome } from '../voice/call-types';
import type { CallList } from './api-types';
import { callDetail, callSummary } from './call-views';
import { streamRecordingAudio } from './recording-audio';
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

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
const RECORDING_SID = /^RE[0-9a-fA-F]{32}$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const OUTCOMES = [
  'completed',
  'transferred',
  'agent_ended',
  'dropped',
  'no_answer',
  'busy',
  'failed',
  'canceled',
] as const satisfies readonly CallOutcome[];

/** A day (`2026-11-29`, from its start in UTC) or an ISO date-time with its offset. */
const dateParam = z
  .string()
  .trim()
  .refine(
    (v) => (DATE_ONLY.test(v) || z.iso.datetime({ offset: true }).safeParse(v).success) && !isNaN(Date.parse(v)),
    {
      message: 'must be a date (2026-11-29) or an ISO date-time (2026-11-29T14:00:00Z)',
    },
  );

const ListQuery = z.object({
  accountSid: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be an account sid (AC…)')
    .optional(),
  agentId: z.string().trim().min(1).max(100).optional(),
  /** Either end of the call: the caller's number or ours (exact, E.164 or another address). */
  number: z.string().trim().min(1).max(100).optional(),
  outcome: z.enum(OUTCOMES, { message: `must be one of ${OUTCOMES.join(', ')}` }).optional(),
  from: dateParam.optional(),
  /** Exclusive; a day counts whole (calls of that day are included). */
  to: dateParam.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

function dayStart(value: string): Date {
  return new Date(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
}

function nextDay(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 24 * 3600_000);
}

/** `<startedAt ms>.<callSid>`, base64url: opaque to the console, checked on the way back. */
function formatCursor(cursor: CallCursor): string {
  return Buffer.from(`${cursor.startedAt.getTime()}.${cursor.callSid}`).toString('base64url');
}

function parseCursor(text: string): CallCursor {
  const match = /^(\d{1,15})\.(CA[0-9a-fA-F]{32})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) throw new ApiError(400, 'cursor: not a cursor this list gave (pass nextCursor as it is)');
  return { startedAt: new Date(Number(match[1])), callSid: match[2]! };
}

/**
 * A workflow id part from an operator's key: scoped by who asked (two operators' same key are two
 * placements; a session sends no credential header) and by the credential, free of the key's own characters.
 */
function keyedId(req: Request, res: Response, key: string): string {
  const credential = req.header('x-api-key') ?? req.header('authorization') ?? '';
  const { operatorId } = principalOf(res);
  return createHash('sha256').update(`${operatorId}\u0000${credential}\u0000${key}`).digest('hex').slice(0, 32);
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
  /** The call, if the principal sees its account: another account's call answers 404 as if it did not exist. */
  const visibleCall = async (res: Response, callSid: string): Promise<CallRecord> => {
    if (!CALL_SID.test(callSid)) throw new ApiError(400, 'callSid: must be a Twilio call sid');
    const record = await deps.calls.get(callSid);
    if (!record) throw new ApiError(404, `call ${callSid} not found`);
    ensureVisible(res, record.accountSid, `call ${callSid}`);
    return record;
  };
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
      const workflowId = outboundCallWorkflowId(key ? keyedId(req, res, key) : randomUUID());
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
    '/calls',
    handle(deps.log, async (req, res) => {
      const query = ListQuery.parse(req.query);
      const principal = principalOf(res);
      const accounts = query.accountSid
        ? [scopedAccount(deps.config, res, query.accountSid)]
        : principal.accounts === 'all'
          ? undefined
          : principal.accounts;
      const from = query.from && dayStart(query.from);
      const to = query.to && (DATE_ONLY.test(query.to) ? nextDay(query.to) : new Date(query.to));
      if (from && to && to <= from) throw new ApiError(400, 'to: must be after from');
      const page = await deps.calls.list(
        {
          ...(accounts ? { accounts } : {}),
          ...(query.agentId ? { agentId: query.agentId } : {}),
          ...(query.number ? { number: query.number } : {}),
          ...(query.outcome ? { outcome: query.outcome } : {}),
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
        },
        { limit: query.limit, ...(query.cursor ? { after: parseCursor(query.cursor) } : {}) },
      );
      const list: CallList = {
        calls: page.calls.map(callSummary),
        ...(page.next ? { nextCursor: formatCursor(page.next) } : {}),
      };
      res.json(list);
    }),
  );
  router.get(
    '/calls/:callSid',
    handle(deps.log, async (req, res) => {
      const record = await visibleCall(res, String(req.params.callSid));
      res.json(callDetail(deps.config.get(), record));
    }),
  );
  /** The recording's audio from Twilio, with the account's credentials (the page's <audio> plays it by cookie). */
  router.get(
    '/calls/:callSid/recordings/:recordingSid/audio',
    handle(deps.log, async (req, res) => {
      const record = await visibleCall(res, String(req.params.callSid));
      const recordingSid = String(req.params.recordingSid);
      if (!RECORDING_SID.test(recordingSid))
        throw new ApiError(400, 'recordingSid: must be a Twilio recording sid (RE…)');
      const recording = record.recordings.find((r) => r.recordingSid === recordingSid);
      if (!recording) throw new ApiError(404, `recording ${recordingSid} not found`);
      if (recording.deletedAt) throw new ApiError(410, `recording ${recordingSid} was deleted (retention)`);
      if (recording.status !== 'completed')
        throw new ApiError(409, `recording ${recordingSid} is ${recording.status}: no audio yet`);
      const account = deps.config.get().twilio.accounts.find((a) => a.accountSid === record.accountSid);
      if (!account) throw new ApiError(404, `recording ${recordingSid}: its account is no longer configured`);
      await streamRecordingAudio(account, recordingSid, req.header('range'), res);
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
