import type { MessageStore, NewMessage } from '../memory/message-store';

/** What Twilio answered to a send (or what a lookup found an earlier attempt had sent). */
export interface SentMessage {
  sid: string;
  status: string;
}

export interface SendOnceSteps {
  /**
   * Whether an earlier attempt's send got through although its answer was lost (a timeout, a
   * connection dropped after Twilio accepted it, a process killed before it recorded the sid):
   * Twilio's REST API takes no idempotency key, so it is looked up. `since`: when the message was
   * recorded, before that attempt sent it.
   */
  findEarlier(since: Date): Promise<SentMessage | undefined>;
  /** The request to Twilio. */
  send(): Promise<SentMessage>;
}

/**
 * The one way an outbound message leaves (SMS, WhatsApp, a Conversations post), once per key
 * (`message.id`): recorded before it is sent (the intent), sent, then marked with Twilio's sid. An
 * attempt that finds the message recorded with a sid is done; one that finds it recorded without
 * a sid (an earlier attempt, or one running beside it, may have sent it) asks `findEarlier` first
 * and sends only if Twilio has nothing. The status callback also binds the sid to the key
 * (`withSendKey`), so a lost answer is usually known before the lookup is needed.
 */
export async function sendOnce(
  messages: Pick<MessageStore, 'get' | 'recordOnce' | 'markSent'>,
  message: NewMessage,
  steps: SendOnceSteps,
): Promise<SentMessage> {
  let recorded = await messages.get(message.id);
  if (recorded?.twilioSid) return { sid: recorded.twilioSid, status: recorded.status };
  if (!recorded && !(await messages.recordOnce({ ...message, status: 'sending' })))
    recorded = await messages.get(message.id);
  if (recorded) {
    if (recorded.twilioSid) return { sid: recorded.twilioSid, status: recorded.status };
    const earlier = await steps.findEarlier(recorded.createdAt);
    if (earlier) {
      await messages.markSent(message.id, earlier.sid, earlier.status);
      return earlier;
    }
    // The status callback of an earlier attempt's send may have bound its sid during the lookup.
    const bound = await messages.get(message.id);
    if (bound?.twilioSid) return { sid: bound.twilioSid, status: bound.status };
  }
  const sent = await steps.send();
  await messages.markSent(message.id, sent.sid, sent.status);
  return sent;
}
