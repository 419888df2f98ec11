import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { AgentDirectory } from '../agents/agent-directory';
import type { ConfigStore } from '../config/store';
import type { IdentityStore } from '../customers/identity-store';
import type { Logger } from '../observability/logger';
import type { BrowserCallTickets } from '../voice/browser-call-tickets';
import type { BrowserCallStart } from './api-types';
import { BROWSER_CALL_SOCKET_PATH, type BrowserCalls } from './browser-calls';
import { ApiError, handle } from './operator-api';
import { ensureVisible, principalOf, scopedAccount } from './principal';
import { sandboxSpeech } from './sandbox-script';

export interface BrowserCallRouteDeps {
  config: ConfigStore;
  identities: IdentityStore;
  agents: Pick<AgentDirectory, 'get'>;
  tickets: BrowserCallTickets;
  browserCalls: BrowserCalls;
  log: Logger;
}

const StartBody = z.object({
  agentId: z.string().trim().min(1, 'must name an agent').max(100),
  accountSid: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be an account sid (AC…)')
    .optional(),
});

const SayBody = z.object({ text: z.string().trim().min(1, 'must not be empty').max(500) });

/**
 * `POST /api/browser-calls`: any operator calls an agent from the console (in an account they see);
 * the answer names the page's WebSocket with a one-time ticket. `POST /api/browser-calls/:sid/say`:
 * in the sandbox, the simulated caller says a line.
 */
export function browserCallRoutes(deps: BrowserCallRouteDeps): Router {
  const router = Router();
  router.post(
    '/browser-calls',
    handle(deps.log, async (req, res) => {
      const body = StartBody.parse(req.body ?? {});
      const config = deps.config.get();
      const accountSid = scopedAccount(deps.config, res, body.accountSid);
      const agent = await deps.agents.get(body.agentId);
      if (!agent) throw new ApiError(400, `agentId: there is no agent ${body.agentId}`);
      const { operatorId } = principalOf(res);
      // The operator's own caller identity in the account: their browser calls share one history.
      const remote = `browser:${operatorId}`;
      const customerId = await deps.identities.resolve(accountSid, remote);
      const account = config.twilio.accounts.find((a) => a.accountSid === accountSid)!;
      const local = account.phoneNumbers.find((n) => !n.startsWith('whatsapp:')) ?? 'browser';
      const callSid = `CA${randomBytes(16).toString('hex')}`;
      const { ticket } = await deps.tickets.issue({
        callSid,
        accountSid,
        operatorId,
        customerId,
        remote,
        local,
        agentId: agent.id,
        agentVersion: agent.version,
      });
      const sandbox = sandboxSpeech(config) !== undefined;
      const start: BrowserCallStart = {
        callSid,
        socketPath: `${BROWSER_CALL_SOCKET_PATH}?ticket=${ticket}`,
        sandbox,
        ...(sandbox ? { sayPath: `/api/browser-calls/${callSid}/say` } : {}),
      };
      deps.log.info({ callSid, accountSid, operatorId, agentId: agent.id }, 'browser call ticket issued');
      res.status(201).json(start);
    }),
  );
  router.post(
    '/browser-calls/:callSid/say',
    handle(deps.log, async (req, res) => {
      const callSid = String(req.params.callSid);
      if (!/^CA[0-9a-f]{32}$/.test(callSid)) throw new ApiError(400, 'callSid: must be a call sid (CA…)');
      const { text } = SayBody.parse(req.body ?? {});
      const bridge = deps.browserCalls.bridge(callSid);
      if (!bridge)
        throw new ApiError(404, `browser call ${callSid} not found (ended, or not connected to this gateway)`);
      ensureVisible(res, bridge.accountSid, `browser call ${callSid}`);
      if (!sandboxSpeech(deps.config.get()))
        throw new ApiError(409, 'speech recognition is real here: speak into the microphone instead');
      await bridge.say(text);
      res.status(202).json({ callSid, text });
    }),
  );
  return router;
}
