import { z } from 'zod';
import { defineTool } from './built-in-tool';

/** Checks the code the caller read out against the one texted by `send_verification_code`; a wrong code is never told. */
export const checkVerificationCodeTool = defineTool({
  name: 'check_verification_code',
  description: 'Check the code the caller read out. Never say the code back to them.',
  input: z.object({ code: z.string().describe('the 6 digits the caller said') }),
  channels: ['voice'],
  repeatSafe: false,
  async run(input, context, deps) {
    const code = input.code.replace(/\D/g, '');
    if (code.length !== 6)
      return { ok: false, result: 'check_verification_code needs the 6 digits the caller read out.' };
    if (!context.callSid) return { ok: false, result: 'There is no call to verify the caller of.' };
    const checked = await deps.verifications.check(context.callSid, code);
    switch (checked.status) {
      case 'verified':
        return {
          ok: true,
          verified: true,
          result:
            'Verified: the caller is the owner of the number on file. Their earlier conversations are now available to you.',
        };
      case 'wrong':
        return {
          ok: false,
          result: checked.checksLeft
            ? `That code is not correct (${checked.checksLeft} tries left).`
            : 'That code is not correct, and no tries are left: offer to send a new code.',
        };
      case 'expired':
        return { ok: false, result: 'The code has expired: offer to send a new one.' };
      case 'exhausted':
        return { ok: false, result: 'Too many wrong tries for this code: offer to send a new one.' };
      case 'none':
        return { ok: false, result: 'No code was sent on this call: send one first.' };
    }
  },
});
