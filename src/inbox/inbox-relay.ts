import { randomUUID } from 'node:crypto';
import type { Connection } from '@temporalio/client';
import type { Logger } from '../observability/logger';
import type { HandOver } from './hand-over';
import type { WebhookInbox } from './webhook-inbox';
import { isTemporalUnreachable, withinDeadline } from './within-deadline';

export interface InboxRelayOptions {
  /** Pause between scans of the inbox when nothing nudges the relay. */
  pollMs: number;
  /** How long a claimed order key stays this relay's without renewal (a crashed relay's keys free up after it). */
  leaseMs: number;
  /** Bound on one handover, as on the gateway's hot path. */
  handOverMs: number;
  /** Order keys taken per scan, and entries per key per batch. */
  batch: number;
}

const DEFAULTS: InboxRelayOptions = { pollMs: 1000, leaseMs: 30_000, handOverMs: 5000, batch: 50 };

/**
 * Drains the webhook inbox into Temporal once it is reachable again. Runs in every gateway: an
 * order key is worked by one relay at a time (a lease in MongoDB), its entries strictly in
 * acceptance order, stopping at the first that fails (to retry on the next scan) so none overtakes
 * another. Handovers are idempotent by Twilio's ids, so one already done directly, or by a relay
 * that died before marking it, acts once.
 */
export class InboxRelay {
  readonly owner = `relay-${randomUUID()}`;
  private readonly options: InboxRelayOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private again = false;
  /** Set when Temporal looked out of reach: the rest of the scan would only wait for the same deadline. */
  private unreachable = false;

  constructor(
    private readonly deps: {
      inbox: WebhookInbox;
      handOver: HandOver;
      temporal: Pick<Connection, 'withDeadline'>;
      log: Logger;
      options?: Partial<InboxRelayOptions>;
    },
  ) {
    this.options = { ...DEFAULTS, ...deps.options };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Waits for a scan in progress; entries it did not reach stay for the next relay. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Something was just stored: scan soon rather than at the next poll. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** One scan: every order key with waiting webhooks that this relay can claim. Returns the entries handed over. */
  async drain(): Promise<number> {
    let relayed = 0;
    this.unreachable = false;
    const keys = await this.deps.inbox.pendingOrderKeys(this.options.batch);
    for (const orderKey of keys) {
      if (this.unreachable) break;
      relayed += await this.drainKey(orderKey);
    }
    return relayed;
  }

  private async drainKey(orderKey: string): Promise<number> {
    const { inbox } = this.deps;
    if (!(await inbox.claim(orderKey, this.owner, this.options.leaseMs))) return 0;
    let relayed = 0;
    try {
      for (;;) {
        const entries = await inbox.pending(orderKey, this.options.batch);
        if (entries.length === 0) return relayed;
        for (const entry of entries) {
          try {
            await withinDeadline(this.deps.temporal, this.options.handOverMs, 'inbox handover', () =>
              this.deps.handOver(entry.webhook),
            );
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            this.deps.log.warn({ inboxId: entry.id, orderKey, err: message }, 'inbox handover failed; retried later');
            await inbox.recordFailure(entry.id, message).catch(() => undefined);
            this.unreachable = isTemporalUnreachable(error);
            // Its successors wait: nothing of this key may overtake it.
            return relayed;
          }
          await inbox.markRelayed(entry.id);
          relayed++;
          // Keeps the key while a long backlog drains.
          if (!(await inbox.claim(orderKey, this.owner, this.options.leaseMs))) return relayed;
        }
      }
    } finally {
      await inbox.release(orderKey, this.owner).catch(() => undefined);
    }
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.scan().finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        const again = this.again;
        this.again = false;
        this.schedule(again ? 0 : this.options.pollMs);
      });
    }, ms);
    this.timer.unref();
  }

  private async scan(): Promise<void> {
    try {
      const relayed = await this.drain();
      if (relayed > 0) this.deps.log.info({ relayed }, 'inbox webhooks handed over to Temporal');
    } catch (error) {
      this.deps.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'inbox scan failed');
    }
  }
}
