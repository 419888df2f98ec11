/**
 * Human takeover inside the customer workflow: an operator pauses the agent, replies as the
 * business, and hands back; an escalation puts the conversation in the waiting queue. The state is
 * the workflow's own (durable, carried across continue-as-new); the `takeovers` store is its
 * published copy, written by a local activity after every change.
 */
import { ActivityFailure, log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { TakeoverEvent } from '../../activities/takeover';
import type { TakeoverView } from '../../src/gateway/api-types';
import type { InboundMessage } from '../../src/messaging/inbound';
import { CONVERSATION_STEP } from '../../src/temporal/retry-policies';
import type {
  CustomerWorkflowInput,
  HumanReply,
  HumanReplyOutcome,
  OperatorRef,
  ReplyRoute,
  TakeoverCarried,
  TakeoverCommand,
} from './contract';

const local = proxyLocalActivities<Activities>(CONVERSATION_STEP);
const { sendMessage } = proxyActivities<Activities>(CONVERSATION_STEP);

/** Reply ids remembered across continue-as-new: a repeated signal (an API retry) sends nothing twice. */
const RECENT_REPLY_IDS = 200;

/** Where a reply to this message goes: the channel and addresses it came on (or its Conversation). */
export function routeOf(message: InboundMessage): ReplyRoute {
  return {
    accountSid: message.accountSid,
    channel: message.channel === 'voice' ? 'sms' : message.channel,
    customerAddress: message.from,
    businessAddress: message.to,
    ...(message.conversationSid ? { conversationSid: message.conversationSid } : {}),
  };
}

type Carried = Pick<
  CustomerWorkflowInput,
  'takeover' | 'takeoverCommands' | 'replyRoute' | 'takeoverRevision' | 'recentReplyIds'
>;

export class Takeover {
  /** Set while a person has the conversation: the agent's replies are held. */
  private current: TakeoverCarried | undefined;
  private readonly commands: TakeoverCommand[];
  private route: ReplyRoute | undefined;
  private revision: number;
  private readonly recentReplyIds: string[];
  /** An agent reply not sent because a pause arrived while it was being written. */
  private withheld: InboundMessage | undefined;

  constructor(
    private readonly customerId: string,
    input: Carried,
  ) {
    this.current = input.takeover;
    this.commands = [...(input.takeoverCommands ?? [])];
    this.route = input.replyRoute;
    this.revision = input.takeoverRevision ?? 0;
    this.recentReplyIds = [...(input.recentReplyIds ?? [])];
  }

  get paused(): boolean {
    return this.current !== undefined;
  }

  get hasCommands(): boolean {
    return this.commands.length > 0;
  }

  get state(): TakeoverCarried | undefined {
    return this.current;
  }

  /** From the signal handlers: carried out in arrival order by the main loop. */
  enqueue(command: TakeoverCommand): void {
    if (command.kind === 'reply') {
      const known = (id: string) =>
        this.recentReplyIds.includes(id) || this.commands.some((c) => c.kind === 'reply' && c.replyId === id);
      if (known(command.replyId)) {
        log.info('duplicate human reply ignored', { replyId: command.replyId });
        return;
      }
    }
    this.commands.push(command);
  }

  /** Commands that reached a run of a history recorded before takeover existed: that run ignored them. */
  discardCommands(): void {
    this.commands.length = 0;
  }

  /** The pending commands leave the agent paused: a reply it is writing now must not go out. */
  get pauseRequested(): boolean {
    let paused = this.paused;
    for (const command of this.commands) paused = command.kind !== 'handBack';
    return paused;
  }

  /** The agent's reply to this message was not sent (a pause came first): it counts as unanswered. */
  withhold(message: InboundMessage): void {
    this.withheld = message;
  }

  /** The customer's latest channel, as the agent answers them (no command: only state). */
  noteChannel(message: InboundMessage): void {
    this.route = routeOf(message);
  }

  /** What continue-as-new carries. */
  carried(): Carried {
    return {
      ...(this.current ? { takeover: this.current } : {}),
      ...(this.commands.length ? { takeoverCommands: this.commands } : {}),
      ...(this.route ? { replyRoute: this.route } : {}),
      ...(this.revision ? { takeoverRevision: this.revision } : {}),
      ...(this.recentReplyIds.length ? { recentReplyIds: this.recentReplyIds } : {}),
    };
  }

  /**
   * Carries out the next command. Returns the message the agent should now answer: after hand back,
   * the newest inbound message no one answered during the pause (the earlier ones are context).
   */
  async runNext(): Promise<{ answer?: InboundMessage; indexed?: string }> {
    const command = this.commands.shift()!;
    switch (command.kind) {
      case 'pause':
        this.takeOver(command, command.reason);
        await this.ensureRoute();
        await this.save({ type: 'takeover.paused' });
        return {};
      case 'reply':
        return this.reply(command);
      case 'handBack':
        return this.handBack(command);
    }
  }

  /** A message that arrived while paused: in the history (consent keywords applied), not answered by the model. */
  async hold(message: InboundMessage): Promise<void> {
    const { customerId } = this;
    await local.recordInbound({ customerId, message });
    const { keyword } = await local.applyConsentKeyword({ customerId, message });
    this.route = routeOf(message);
    const current = this.current!;
    current.lastMessageAt = message.receivedAt;
    if (!keyword) {
      current.unanswered += 1;
      current.held = message;
    }
    await this.save();
  }

  /** `escalate_to_human` ran in this reply: the conversation waits in the queue for a person. */
  async escalate(message: InboundMessage, reason: string): Promise<void> {
    this.route = routeOf(message);
    if (this.current) return;
    this.current = {
      state: 'waiting',
      origin: 'escalation',
      accountSid: message.accountSid,
      reason,
      since: new Date().toISOString(),
      unanswered: 0,
    };
    await this.save({ type: 'takeover.paused' });
  }

  /** An operator takes the conversation (pause, or a reply while the agent or the queue had it). */
  private takeOver(by: OperatorRef & { accountSid: string }, reason?: string): void {
    const previous = this.current;
    const withheld = this.withheld;
    this.withheld = undefined;
    this.current = {
      ...previous,
      state: 'human',
      origin: previous?.origin ?? 'operator',
      accountSid: previous?.accountSid ?? by.accountSid,
      since: previous?.since ?? new Date().toISOString(),
      operatorId: by.operatorId,
      operatorName: by.operatorName,
      unanswered: (previous?.unanswered ?? 0) + (withheld ? 1 : 0),
      ...(reason ? { reason } : {}),
      ...(withheld ? { held: withheld } : {}),
    };
  }

  private async reply(command: HumanReply): Promise<{ indexed?: string }> {
    if (!this.current || this.current.state === 'waiting') {
      this.takeOver(command);
      await this.save({ type: 'takeover.paused' });
    }
    this.recentReplyIds.push(command.replyId);
    if (this.recentReplyIds.length > RECENT_REPLY_IDS) this.recentReplyIds.shift();
    const route = await this.ensureRoute();
    const at = () => new Date().toISOString();
    let outcome: HumanReplyOutcome;
    const idempotencyKey = `human:${command.replyId}`;
    if (!route)
      outcome = {
        replyId: command.replyId,
        status: 'failed',
        error: 'no channel to reply on: the customer has not written or called yet',
        at: at(),
      };
    else {
      try {
        await sendMessage({
          idempotencyKey,
          customerId: this.customerId,
          accountSid: route.accountSid,
          from: route.businessAddress,
          to: route.customerAddress,
          body: command.text,
          purpose: 'reply',
          humanAuthor: { operatorId: command.operatorId, operatorName: command.operatorName },
          ...(route.conversationSid ? { conversationSid: route.conversationSid } : {}),
        });
        outcome = { replyId: command.replyId, status: 'sent', at: at() };
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        // Opted out, the WhatsApp window closed, an invalid number: the operator sees why.
        const reason = error.cause?.message ?? error.message;
        log.warn('human reply not sent', { replyId: command.replyId, error: reason });
        outcome = { replyId: command.replyId, status: 'failed', error: reason, at: at() };
      }
    }
    const current = this.current!;
    current.lastReply = outcome;
    if (outcome.status === 'sent') {
      current.unanswered = 0;
      delete current.held;
    }
    await this.save({
      type: 'takeover.replied',
      replyId: command.replyId,
      status: outcome.status,
      ...(outcome.error ? { error: outcome.error } : {}),
    });
    return outcome.status === 'sent' ? { indexed: idempotencyKey } : {};
  }

  private async handBack(by: OperatorRef): Promise<{ answer?: InboundMessage }> {
    const previous = this.current;
    if (!previous) return {};
    this.current = undefined;
    this.withheld = undefined;
    await this.save({ type: 'takeover.handed_back' }, { previous, by });
    return previous.held ? { answer: previous.held } : {};
  }

  /** The reply route: the latest channel seen by this workflow, else looked up in the history. */
  private async ensureRoute(): Promise<ReplyRoute | undefined> {
    this.route ??= await local.findReplyRoute({ customerId: this.customerId });
    return this.route;
  }

  private view(handedBack?: { previous: TakeoverCarried; by: OperatorRef }): TakeoverView {
    const route = this.route;
    const where = route
      ? {
          channel: route.channel,
          customerAddress: route.customerAddress,
          businessAddress: route.businessAddress,
          ...(route.conversationSid ? { conversationSid: route.conversationSid } : {}),
        }
      : {};
    const current = this.current;
    if (!current)
      return {
        customerId: this.customerId,
        accountSid: handedBack?.previous.accountSid ?? route?.accountSid ?? '',
        state: 'agent',
        ...where,
        ...(handedBack
          ? {
              handedBackAt: new Date().toISOString(),
              operatorId: handedBack.by.operatorId,
              operatorName: handedBack.by.operatorName,
            }
          : {}),
      };
    // The held message stays in the workflow: the view counts it in `unanswered`.
    const { held: _held, ...shown } = current;
    return { customerId: this.customerId, ...shown, ...where };
  }

  /** Publishes the current state (a newer revision each time, across runs too) and the event, if any. */
  private async save(
    event?: Omit<TakeoverEvent, 'id'>,
    handedBack?: { previous: TakeoverCarried; by: OperatorRef },
  ): Promise<void> {
    this.revision = Math.max(this.revision + 1, Date.now());
    await local.saveTakeover({
      view: this.view(handedBack),
      revision: this.revision,
      ...(event ? { event: { ...event, id: `${event.type}:${this.customerId}:${this.revision}` } } : {}),
    });
  }
}
