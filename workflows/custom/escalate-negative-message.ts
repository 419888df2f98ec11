import { platform, type BelugaEvent } from '../platform';

const PROMPT = (text: string) =>
  `Classify the sentiment of this customer message as exactly one word: positive, neutral or negative.\n\nMessage: """${text}"""`;

/**
 * Example: when a message arrives, ask the model for its sentiment and, when it is negative,
 * escalate to a person (the on-call number gets an SMS, or a human joins the Conversation).
 * Bind it: `{ "name": "sentiment", "events": ["message.received"], "workflow": "escalateNegativeMessageWorkflow" }`.
 */
export async function escalateNegativeMessageWorkflow(
  event: BelugaEvent<'message.received'>,
): Promise<{ sentiment: string; escalated: boolean }> {
  const { body, from, to, conversationSid, messageSid } = event.data;
  if (!body.trim()) return { sentiment: 'none', escalated: false };
  const { text } = await platform.askAgent({ prompt: PROMPT(body), maxTokens: 5 });
  const sentiment = /negative/i.test(text) ? 'negative' : /positive/i.test(text) ? 'positive' : 'neutral';
  if (sentiment !== 'negative') return { sentiment, escalated: false };
  await platform.escalate({
    reason: `Negative message: "${body.slice(0, 200)}"`,
    urgency: 'urgent',
    customerAddress: from,
    agentAddress: to,
    key: `sentiment-${messageSid}`,
    ...(event.accountSid ? { accountSid: event.accountSid } : {}),
    ...(conversationSid ? { conversationSid } : {}),
  });
  return { sentiment, escalated: true };
}
