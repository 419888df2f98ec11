/**
 * Every built-in tool, one line each. The type makes the list complete: a name added to
 * BUILT_IN_TOOLS (src/agents/tool-names.ts) does not compile until its tool is here.
 */
import type { BuiltInToolName } from '../tool-names';
import type { AnyBuiltInTool } from './built-in-tool';
import { checkVerificationCodeTool } from './check-verification-code';
import { endCallTool } from './end-call';
import { escalateToHumanTool } from './escalate-to-human';
import { handoffToAgentTool } from './handoff-to-agent';
import { lookupCustomerTool } from './lookup-customer';
import { scheduleFollowUpTool } from './schedule-follow-up';
import { searchKnowledgeTool } from './search-knowledge';
import { sendSmsTool } from './send-sms';
import { sendVerificationCodeTool } from './send-verification-code';
import { transferCallTool } from './transfer-call';

type Catalogue = { readonly [N in BuiltInToolName]: AnyBuiltInTool & { name: N } };

export const BUILT_IN_TOOL_CATALOGUE: Catalogue = {
  lookup_customer: lookupCustomerTool,
  send_sms: sendSmsTool,
  schedule_follow_up: scheduleFollowUpTool,
  escalate_to_human: escalateToHumanTool,
  transfer_call: transferCallTool,
  end_call: endCallTool,
  handoff_to_agent: handoffToAgentTool,
  search_knowledge: searchKnowledgeTool,
  send_verification_code: sendVerificationCodeTool,
  check_verification_code: checkVerificationCodeTool,
};

/** The tools offered on a call to a caller who is not verified, whatever the agent's list: the identity rule. */
export const VERIFICATION_TOOLS: readonly BuiltInToolName[] = ['send_verification_code', 'check_verification_code'];
