import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ConfigStore } from '../config/store';
import type { ConversationStore } from '../conversations/conversation-store';
import type { ParticipantTarget } from '../conversations/operations';
import type { Logger } from '../observability/logger';
import type { Client } from '@temporalio/client';
import { runOperation, type OperationRunner } from '../temporal/operation-runner';
import {
  ADD_CONVERSATION_PARTICIPANT_WORKFLOW,
  CLOSE_CONVERSATION_WORKFLOW,
  CREATE_CONVERSATION_WORKFLOW,
  REMOVE_CONVERSATION_PARTICIPANT_WORKFLOW,
  addParticipantWorkflowId,
  closeConversationWorkflowId,
  createConversationWorkflowId,
  removeParticipantWorkflowId,
  type AddConversationParticipantWorkflow,
  type CloseConversationWorkflow,
  type CreateConversationWorkflow,
  type RemoveConversationParticipantWorkflow,
} from '../../workflows/conversation-operations/contract';
import { sendOutcome } from './operation-outcome';
import { ApiError, handle } from './operator-api';
import { ensureVisible, scopedAccount, visibleAccounts } from './principal';

export interface ConversationApiDeps {
  config: ConfigStore;
  temporal: Client;
  conversations: ConversationStore;
  log: Logger;
  /** How long a request waits for its operation before answering 202 (default 20 s). */
  waitMs?: number;
}

const CONVERSATION_SID = /^CH[0-9a-fA-F]{32}$/;
const PARTICIPANT_SID = /^MB[0-9a-fA-F]{32}$/;
const MESSAGING_ADDRESS = /^(whatsapp:)?\+[1-9]\d{6,14}$/;
const accountSid = z
  .string()
  .regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex characters')
  .optional();

const CreateBody = z.object({
  friendlyName: z.string().trim().min(1).max(256),
  uniqueName: z.string().trim().min(1).max(256).optional(),
  accountSid,
});

const address = z.string().trim().regex(MESSAGING_ADDRESS, 'must be +E164 or whatsapp:+E164');
const AddParticipantBody = z
  .object({
    identity: z.string().trim().min(1).max(256).optional(),
    address: address.optional(),
    proxyAddress: address.optional(),
    accountSid,
  })
  .superRefine((b, ctx) => {
    if (b.identity !== undefined) {
      if (b.address !== undefined || b.proxyAddress !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['identity'],
          message: 'give either identity or address + proxyAddress, not both',
        });
      return;
    }
    if (b.address === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['address'],
        message: 'required (or give identity for a chat participant)',
      });
    if (b.proxyAddress === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['proxyAddress'],
        message: 'required with address: the number of ours the participant talks to',
      });
    if (b.address && b.proxyAddress && b.address.startsWith('whatsapp:') !== b.proxyAddress.startsWith('whatsapp:')) {
      ctx.addIssue({
        code: 'custom',
        path: ['proxyAddress'],
        message: 'must be on the same channel as address (both WhatsApp or both SMS)',
      });
    }
  });

const AccountOnlyBody = z.object({ accountSid }).optional();

/** An operator may send Idempotency-Key so a repeated request does not repeat the change. */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,100}$/;
function operationKey(req: Request): string {
  const key = req.header('idempotency-key');
  if (key === undefined) return randomUUID();
  if (!IDEMPOTENCY_KEY.test(key))
    throw new ApiError(400, 'Idempotency-Key: 1-100 characters of letters, digits, . _ : -');
  return key;
}

function conversationSidOf(req: Request): string {
  const sid = String(req.params.sid);
  if (!CONVERSATION_SID.test(sid)) throw new ApiError(400, 'conversation sid must be CH followed by 32 hex characters');
  return sid;
}

/** `/api/conversations`: create, manage participants, close, and read our record of a conversation. */
export function conversationApiRoutes(deps: ConversationApiDeps): Router {
  const router = Router();
  const runner: OperationRunner = { temporal: deps.temporal, config: deps.config, waitMs: deps.waitMs ?? 20_000 };

  /**
   * The account named in the request, else the one the conversation belongs to, else the first the
   * operator sees; a conversation of an account the operator does not see is 404.
   */
  async function accountFor(res: Response, requested: string | undefined, conversationSid?: string): Promise<string> {
    const known = conversationSid ? (await deps.conversations.get(conversationSid))?.accountSid : undefined;
    if (known) ensureVisible(res, known, `conversation ${conversationSid}`);
    if (requested) return scopedAccount(deps.config, res, requested);
    const account = known ?? visibleAccounts(deps.config, res)[0];
    if (!account) throw new ApiError(503, 'no Twilio account configured');
    return scopedAccount(deps.config, res, account);
  }

  router.post(
    '/conversations',
    handle(deps.log, async (req, res) => {
      const body = CreateBody.parse(req.body);
      const account = await accountFor(res, body.accountSid);
      const input = {
        accountSid: account,
        friendlyName: body.friendlyName,
        ...(body.uniqueName ? { uniqueName: body.uniqueName } : {}),
      };
      const outcome = await runOperation<CreateConversationWorkflow>(runner, {
        workflowType: CREATE_CONVERSATION_WORKFLOW,
        workflowId: createConversationWorkflowId(operationKey(req)),
        args: [input],
        accountSid: account,
        summary: `Create conversation "${body.friendlyName}"`,
      });
      sendOutcome(res, outcome, 201);
    }),
  );

  router.post(
    '/conversations/:sid/participants',
    handle(deps.log, async (req, res) => {
      const conversationSid = conversationSidOf(req);
      const body = AddParticipantBody.parse(req.body);
      const account = await accountFor(res, body.accountSid, conversationSid);
      const target: ParticipantTarget =
        body.identity !== undefined
          ? { identity: body.identity }
          : { address: body.address!, proxyAddress: body.proxyAddress! };
      const who = 'identity' in target ? target.identity : `${target.address} via ${target.proxyAddress}`;
      const outcome = await runOperation<AddConversationParticipantWorkflow>(runner, {
        workflowType: ADD_CONVERSATION_PARTICIPANT_WORKFLOW,
        workflowId: addParticipantWorkflowId(conversationSid, operationKey(req)),
        args: [{ accountSid: account, conversationSid, ...target }],
        accountSid: account,
        summary: `Add ${who} to ${conversationSid}`,
      });
      sendOutcome(res, outcome, 201);
    }),
  );

  router.delete(
    '/conversations/:sid/participants/:participantSid',
    handle(deps.log, async (req, res) => {
      const conversationSid = conversationSidOf(req);
      const participantSid = String(req.params.participantSid);
      if (!PARTICIPANT_SID.test(participantSid))
        throw new ApiError(400, 'participant sid must be MB followed by 32 hex characters');
      const account = await accountFor(res, AccountOnlyBody.parse(req.body)?.accountSid, conversationSid);
      const outcome = await runOperation<RemoveConversationParticipantWorkflow>(runner, {
        workflowType: REMOVE_CONVERSATION_PARTICIPANT_WORKFLOW,
        workflowId: removeParticipantWorkflowId(conversationSid, participantSid),
        args: [{ accountSid: account, conversationSid, participantSid }],
        accountSid: account,
        summary: `Remove ${participantSid} from ${conversationSid}`,
      });
      sendOutcome(res, outcome, 200);
    }),
  );

  router.post(
    '/conversations/:sid/close',
    handle(deps.log, async (req, res) => {
      const conversationSid = conversationSidOf(req);
      const account = await accountFor(res, AccountOnlyBody.parse(req.body)?.accountSid, conversationSid);
      const outcome = await runOperation<CloseConversationWorkflow>(runner, {
        workflowType: CLOSE_CONVERSATION_WORKFLOW,
        workflowId: closeConversationWorkflowId(conversationSid),
        args: [{ accountSid: account, conversationSid }],
        accountSid: account,
        summary: `Close ${conversationSid}`,
      });
      sendOutcome(res, outcome, 200);
    }),
  );

  router.get(
    '/conversations/:sid',
    handle(deps.log, async (req, res) => {
      const conversationSid = conversationSidOf(req);
      const record = await deps.conversations.get(conversationSid);
      if (!record) throw new ApiError(404, `no record of conversation ${conversationSid}`);
      ensureVisible(res, record.accountSid, `conversation ${conversationSid}`);
      res.json(record);
    }),
  );
  return router;
}
