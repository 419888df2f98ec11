import type { Connection } from '@temporalio/client';
import type { Logger } from '../observability/logger';
import { inboxKeys, type AcceptedWebhook } from './accepted-webhook';
import type { HandOver } from './hand-over';
import type { WebhookInbox } from './webhook-inbox';
import { withinDeadline } from './within-deadline';

/** Neither Temporal nor the inbox took the webhook: the gateway answers 5xx and Twilio retries (connection overrides). */
export class NotAccepted extends Error {
  constructor(cause: unknown) {
    super('neither Temporal nor the webhook inbox took the webhook', { cause });
    this.name = 'NotAccepted';
  }
}

export interface AcceptanceOptions {
  /** How long the direct handover to Temporal may take before the webhook goes to the inbox instead. */
  handOverMs: number;
  /** How long storing in the inbox may take; both together stay well under Twilio's 15 s. */
  storeMs: number;
}

/** At most 5 s in all: under the 8 s read timeout our URLs ask of Twilio (connection overrides). */
const DEFAULT_ACCEPTANCE: AcceptanceOptions = { handOverMs: 3000, storeMs: 2000 };

/**
 * A webhook is acknowledged only once it is durable: handed over to Temporal, or stored in the
 * inbox for the relay when Temporal is out of reach (or when earlier webhooks of its order key
 * still wait there, so it cannot overtake them).
 */
export class DurableAcceptance {
  /** Per order key, the acceptance in progress: one key's webhooks are accepted one after another. */
  private readonly inProgress = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: {
      handOver: HandOver;
      inbox: WebhookInbox;
      temporal: Pick<Connection, 'withDeadline'>;
      log: Logger;
      /** Told when a webhook went to the inbox (the relay drains sooner). */
      onStored?: () => void;
      options?: AcceptanceOptions;
    },
  ) {}

  /** 'handed-over' (in Temporal) or 'stored' (in the inbox); throws NotAccepted when neither. */
  async accept(webhook: AcceptedWebhook): Promise<'handed-over' | 'stored'> {
    const keys = inboxKeys(webhook);
    const previous = this.inProgress.get(keys.orderKey) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(() => this.acceptInOrder(webhook, keys));
    this.inProgress.set(keys.orderKey, current);
    try {
      return await current;
    } finally {
      if (this.inProgress.get(keys.orderKey) === current) this.inProgress.delete(keys.orderKey);
    }
  }

  private async acceptInOrder(
    webhook: AcceptedWebhook,
    keys: { id: string; orderKey: string },
  ): Promise<'handed-over' | 'stored'> {
    const { handOverMs } = this.deps.options ?? DEFAULT_ACCEPTANCE;
    let reason: unknown;
    try {
      const queued = await withinDeadline(this.deps.temporal, handOverMs, 'inbox lookup and handover', async () => {
        if (await this.deps.inbox.hasPending(keys.orderKey)) return true;
        await this.deps.handOver(webhook);
        return false;
      });
      if (!queued) return 'handed-over';
      reason = 'earlier webhooks of its order key wait in the inbox';
    } catch (error) {
      reason = error;
    }
    return this.store(webhook, keys, reason);
  }

  private async store(
    webhook: AcceptedWebhook,
    keys: { id: string; orderKey: string },
    reason: unknown,
  ): Promise<'stored'> {
    const { storeMs } = this.deps.options ?? DEFAULT_ACCEPTANCE;
    try {
      const stored = await withinDeadline(this.deps.temporal, storeMs, 'inbox insert', () =>
        this.deps.inbox.add({ ...keys, webhook }),
      );
      this.deps.log.warn(
        { inboxId: keys.id, kind: webhook.kind, duplicate: stored === 'duplicate', reason: describe(reason) },
        'webhook kept in the inbox until Temporal takes it',
      );
      this.deps.onStored?.();
      return 'stored';
    } catch (error) {
      throw new NotAccepted(error);
    }
  }
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
