import { z } from 'zod';
import { defineTool } from './built-in-tool';

/**
 * The slot for the agent's knowledge bases (`knowledge` in its definition): until they exist it
 * says plainly that there is nothing to search, so the model answers from what it knows.
 */
export const searchKnowledgeTool = defineTool({
  name: 'search_knowledge',
  description:
    "Search the business's knowledge base (policies, products, opening hours, how-tos) for facts to answer with.",
  input: z.object({ query: z.string().trim().min(1).max(500).describe('what to look up, in a few words') }),
  channels: ['voice', 'messaging'],
  repeatSafe: true,
  filler: 'Let me check that for you.',
  async run() {
    return {
      ok: false,
      result:
        'No knowledge base is configured, so there is nothing to search. Answer from what you know, or offer to find out and follow up.',
    };
  },
});
