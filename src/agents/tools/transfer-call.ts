import { z } from 'zod';
import { transferTwiml } from '../../voice/twiml';
import type { ToolContext } from '../tool-calls';
import { defineTool, type ToolDeps } from './built-in-tool';
import { twilioCallAction } from './twilio-call-action';

/** Where the caller goes: the calling agent's number (at its pinned version), else the deployment's. */
async function transferNumber(context: ToolContext, deps: ToolDeps): Promise<string | undefined> {
  const agent = context.agent && (await deps.agents.get(context.agent.agentId, context.agent.version));
  return agent ? agent.transferNumber : deps.config().voice.transferNumber;
}

/**
 * Puts the caller through to a person: the live call is redirected to a `<Dial>`. Check, then act:
 * a `<Dial>` makes a child leg of the call, so a call that has one was transferred already (by an
 * attempt whose answer was lost, or an earlier transfer) and is not dialled again.
 */
export const transferCallTool = defineTool({
  name: 'transfer_call',
  description:
    'Transfer the caller to a human colleague when they ask for a person or you cannot help. Tell them you are transferring them first.',
  input: z.object({ reason: z.string().min(1).max(500).describe('why, in one sentence') }),
  channels: ['voice'],
  repeatSafe: false,
  afterSpeech: true,
  async run(_input, context, deps) {
    const to = await transferNumber(context, deps);
    if (!to)
      return {
        ok: false,
        result: 'No transfer number is configured; offer to take a message or have someone call back.',
      };
    if (!context.callSid) return { ok: false, result: 'There is no call to transfer.' };
    const call = deps.twilio.client(context.accountSid).calls;
    const transferred = { ok: true, result: `Transferring the caller to ${to}.`, endsConversation: true };
    return twilioCallAction(
      'transfer the call',
      async () => {
        const [leg] = await call.list({ parentCallSid: context.callSid!, limit: 1 });
        if (leg) return;
        await call(context.callSid!).update({
          twiml: transferTwiml(to, { callerId: context.agentAddress || undefined }),
        });
      },
      transferred,
    );
  },
});
