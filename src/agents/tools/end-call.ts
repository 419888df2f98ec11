import { z } from 'zod';
import { TERMINAL_CALL_STATUSES } from '../../voice/call-types';
import { defineTool } from './built-in-tool';
import { twilioCallAction } from './twilio-call-action';

/** Hangs up, once what the agent said has played. A call that has already ended is not touched again. */
export const endCallTool = defineTool({
  name: 'end_call',
  description: 'Hang up once the conversation is finished and you have said goodbye.',
  input: z.object({}),
  channels: ['voice'],
  repeatSafe: true,
  afterSpeech: true,
  async run(_input, context, deps) {
    if (!context.callSid) return { ok: false, result: 'There is no call to end.' };
    const call = deps.twilio.client(context.accountSid).calls(context.callSid);
    return twilioCallAction(
      'hang up',
      async () => {
        const { status } = await call.fetch();
        if (TERMINAL_CALL_STATUSES.includes(status)) return;
        await call.update({ status: 'completed' });
      },
      { ok: true, result: 'The call has ended.', endsConversation: true },
    );
  },
});
