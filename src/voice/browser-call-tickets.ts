import { createHash, randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';

/** A browser call's ticket is good for this long: the page opens its socket right after asking. */
const BROWSER_TICKET_TTL_MS = 60_000;

/** What a ticket admits: one socket for one call, of one operator, to one agent. */
export interface BrowserCallGrant {
  callSid: string;
  accountSid: string;
  operatorId: string;
  customerId: string;
  /** The browser's identity in the account (`browser:<operatorId>`): the call's remote party. */
  remote: string;
  /** The account's number the call stands for (its first), or `browser`. */
  local: string;
  agentId: string;
  agentVersion: number;
}

interface TicketDoc extends BrowserCallGrant {
  /** SHA-256 of the ticket: the ticket itself is never stored. */
  _id: string;
  expiresAt: Date;
}

const hashOf = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

/**
 * One-time tickets for the console's browser-call socket (`browser_call_tickets`). Stored in MongoDB,
 * so any gateway may redeem one another issued; redeeming deletes it atomically, so it opens one socket.
 */
export class BrowserCallTickets {
  private readonly tickets: Collection<TicketDoc>;

  constructor(db: Db) {
    this.tickets = db.collection<TicketDoc>('browser_call_tickets');
  }

  async issue(grant: BrowserCallGrant, now = new Date()): Promise<{ ticket: string; expiresAt: Date }> {
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + BROWSER_TICKET_TTL_MS);
    await this.tickets.insertOne({ _id: hashOf(ticket), ...grant, expiresAt });
    // Expired tickets of earlier calls go now and then (FerretDB v1 has no TTL index).
    await this.tickets.deleteMany({ expiresAt: { $lt: now } });
    return { ticket, expiresAt };
  }

  /** The grant of a valid ticket, used up by this call; undefined for an unknown, used or expired one. */
  async redeem(ticket: string, now = new Date()): Promise<BrowserCallGrant | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) return undefined;
    const doc = await this.tickets.findOneAndDelete({ _id: hashOf(ticket) });
    if (!doc || doc.expiresAt <= now) return undefined;
    const { _id, expiresAt: _e, ...grant } = doc;
    return grant;
  }
}
