import { z } from 'zod';
import { formatPassages } from '../../knowledge/citations';
import { conversationScope, retrievePassages, scopeIsEmpty } from '../../knowledge/retrieval';
import { retrievalTopK } from '../../knowledge/retrieval-settings';
import { defineTool } from './built-in-tool';

/**
 * Searches what the agent may know, with the model's own query: the knowledge bases its definition
 * names (`knowledge`) and the customer's own earlier calls and messages (on a call only once the
 * caller is verified). Passages come back numbered from the reply's next free number, with their
 * sources, so the reply can cite them as `[n]`; the conversation records the ones it cites.
 */
export const searchKnowledgeTool = defineTool({
  name: 'search_knowledge',
  description:
    "Search the business's knowledge base (policies, products, opening hours, how-tos) and this customer's own earlier calls and messages, for facts to answer with. Returns numbered passages with their sources.",
  input: z.object({ query: z.string().trim().min(1).max(500).describe('what to look up, in a few words') }),
  channels: ['voice', 'messaging'],
  repeatSafe: true,
  filler: 'Let me check that for you.',
  async run(input, context, deps) {
    const channel = context.channel ?? 'messaging';
    const agent = context.agent && (await deps.agents.get(context.agent.agentId, context.agent.version));
    const knowledgeBaseIds = agent?.definition.knowledge ?? [];
    // The identity rule: an unverified caller learns nothing stored about the number's owner.
    const historyAllowed = channel === 'messaging' || context.callerVerified === true;
    const hasHistory =
      historyAllowed && context.customerId !== '' && (await deps.messages.countAfter(context.customerId)) > 0;
    const scope = conversationScope({
      accountSid: context.accountSid,
      knowledgeBaseIds,
      customerId: context.customerId,
      customerHistory: hasHistory,
    });
    if (scopeIsEmpty(scope))
      return {
        ok: false,
        result: historyAllowed
          ? 'No knowledge base is configured, and this customer has no earlier conversations to search. Answer from what you know, or offer to find out and follow up.'
          : "No knowledge base is configured for you, and the caller's own earlier conversations can be searched only once their identity is confirmed (send_verification_code). Answer from what you know.",
      };
    if (!deps.knowledge)
      return { ok: false, result: 'Knowledge search is not available right now. Answer from what you know.' };
    try {
      const { passages } = await retrievePassages(deps.knowledge, {
        text: input.query,
        scope,
        limit: retrievalTopK(deps.config(), channel),
        firstNumber: context.firstPassageNumber ?? 1,
        exclude: {
          ...(context.callSid ? { callSid: context.callSid } : {}),
          ...(context.messageSid ? { messageIds: [context.messageSid] } : {}),
        },
      });
      if (passages.length === 0)
        return {
          ok: true,
          result: `Nothing relevant was found for "${input.query}". Answer from what you know, or offer to find out and follow up.`,
        };
      return {
        ok: true,
        result: `Passages found for "${input.query}" (cite the ones you use as [n]):\n\n${formatPassages(passages)}`,
        passages,
      };
    } catch {
      // A read: nothing to undo, and retrying with a caller waiting helps less than answering.
      // (The store's error is not the model's business, nor the customer's.)
      return {
        ok: false,
        result: 'The knowledge search failed just now. Answer from what you know, or offer to find out and follow up.',
      };
    }
  },
});
