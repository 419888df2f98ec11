import { Router } from 'express';
import { z } from 'zod';
import type { IdentityStore } from '../customers/identity-store';
import type { CustomerCalls } from '../customers/customer-calls';
import type { CustomerMemoryStore } from '../memory/customer-memory';
import type { HistoryMessage, MessageStore } from '../memory/message-store';
import type { ConsentStore } from '../messaging/consent-store';
import type { DeliveryStatusStore } from '../messaging/delivery-status';
import type { Logger } from '../observability/logger';
import type { TakeoverStore } from '../takeover/takeover-store';
import type { CustomerDetail, CustomerHistory, CustomerSummary, HistoryItem } from './api-types';
import { AccountQuery, ApiError, handle } from './operator-api';
import { ensureVisible, principalOf, seesAccount } from './principal';
import { takeoverOf } from './takeover-routes';

export interface CustomerHistoryRouteDeps {
  identities: IdentityStore;
  messages: MessageStore;
  calls: CustomerCalls;
  deliveryStatus: DeliveryStatusStore;
  takeovers: TakeoverStore;
  log: Logger;
}

/** Opaque page cursors: the sort key of the last item shown. */
function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify({ at: at.toISOString(), id })).toString('base64url');
}

function decodeCursor(cursor: string | undefined): { at: Date; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = z
      .object({ at: z.string().datetime(), id: z.string().min(1) })
      .parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { at: new Date(parsed.at), id: parsed.id };
  } catch {
    throw new ApiError(400, 'cursor: not a cursor this API handed out');
  }
}

const PageQuery = z.object({
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const ListQuery = AccountQuery.merge(PageQuery).extend({ q: z.string().trim().min(1).max(100).optional() });

/** Who wrote a message, as the console shows it. */
function messageItem(message: HistoryMessage, status: { status: string } | undefined): HistoryItem {
  // Documents written without a media field (some outbound paths) read as undefined despite the type.
  const media: HistoryMessage['media'] | undefined = message.media;
  const author = message.direction === 'inbound' ? 'customer' : message.humanAuthor ? 'human' : 'agent';
  return {
    kind: 'message',
    id: message.id,
    at: message.seq.toISOString(),
    channel: message.channel,
    direction: message.direction,
    author,
    ...(message.humanAuthor ? { operatorName: message.humanAuthor.operatorName } : {}),
    body: message.body,
    from: message.from,
    to: message.to,
    status: status?.status ?? message.status,
    ...(media?.length ? { media: media.map((m) => ({ contentType: m.contentType })) } : {}),
  };
}

/** `GET /api/customers/:id` for the console: who, what the agent remembers, consent per number, who answers. */
export async function customerDetail(
  deps: { identities: IdentityStore; memory: CustomerMemoryStore; consent: ConsentStore; takeovers: TakeoverStore },
  customerId: string,
  accountSid: string,
): Promise<CustomerDetail> {
  const [addresses, memory, takeover] = await Promise.all([
    deps.identities.addresses(customerId),
    deps.memory.get(customerId),
    takeoverOf(deps.takeovers, customerId, accountSid),
  ]);
  // Consent belongs to numbers (SMS and WhatsApp share it); chat identities have none.
  const consent = await Promise.all(
    addresses
      .filter((a) => a.startsWith('phone:'))
      .map(async (address) => {
        const state = await deps.consent.state(accountSid, address.slice('phone:'.length));
        return { address, optedOut: state.optedOut, ...(state.since ? { since: state.since.toISOString() } : {}) };
      }),
  );
  return {
    customerId,
    accountSid,
    addresses,
    memory: memory ? { summary: memory.summary, updatedAt: memory.updatedAt.toISOString() } : null,
    consent,
    takeover,
  };
}

/** The console's customer list (by latest activity) and a customer's whole history across channels. */
export function customerHistoryRoutes(deps: CustomerHistoryRouteDeps): Router {
  const router = Router();

  router.get(
    '/customers',
    handle(deps.log, async (req, res) => {
      const { accountSid, q, cursor, limit } = ListQuery.parse(req.query);
      const principal = principalOf(res);
      if (accountSid && !seesAccount(principal, accountSid)) throw new ApiError(404, `account ${accountSid} not found`);
      const accounts = accountSid ? [accountSid] : principal.accounts;
      const after = decodeCursor(cursor);
      const customerIds = q ? await deps.identities.matching(accounts, q, 500) : undefined;
      const rows = await deps.messages.latestActivity({
        accounts,
        ...(customerIds ? { customerIds } : {}),
        ...(after ? { before: { at: after.at, customerId: after.id } } : {}),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const states = await deps.takeovers.statesOf(page.map((r) => r.customerId));
      const customers: CustomerSummary[] = await Promise.all(
        page.map(async (row) => {
          const state = states.get(row.customerId);
          return {
            customerId: row.customerId,
            accountSid: row.accountSid,
            addresses: await deps.identities.addresses(row.customerId),
            lastActivityAt: row.at.toISOString(),
            lastChannel: row.channel,
            ...(state ? { takeover: state } : {}),
          };
        }),
      );
      const last = page.at(-1);
      res.json({
        customers,
        ...(rows.length > limit && last ? { nextCursor: encodeCursor(last.at, last.customerId) } : {}),
      });
    }),
  );

  router.get(
    '/customers/:id/history',
    handle(deps.log, async (req, res) => {
      const customerId = String(req.params.id);
      const { cursor, limit } = PageQuery.parse(req.query);
      const accountSid = await deps.identities.accountOf(customerId);
      if (!accountSid) throw new ApiError(404, `customer ${customerId} not found`);
      ensureVisible(res, accountSid, `customer ${customerId}`);
      const before = decodeCursor(cursor);
      // Each source's next page, merged newest first; call turns are in the call (its page has them).
      const [messages, calls] = await Promise.all([
        deps.messages.textPage(customerId, limit + 1, before && { seq: before.at, id: before.id }),
        deps.calls.page(customerId, limit + 1, before),
      ]);
      const entries = [
        ...messages.map((m) => ({ at: m.seq, id: m.id, item: async () => messageItem(m, await statusOf(m)) })),
        ...calls.map((c) => ({
          at: c.startedAt,
          id: c.callSid,
          item: async (): Promise<HistoryItem> => ({
            kind: 'call',
            id: c.callSid,
            at: c.startedAt.toISOString(),
            callSid: c.callSid,
            ...(c.direction ? { direction: c.direction } : {}),
            ...(c.outcome ? { outcome: c.outcome } : {}),
            ...(c.durationSeconds !== undefined ? { durationSeconds: c.durationSeconds } : {}),
            turnCount: c.turnCount,
          }),
        })),
      ].sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      const page = entries.slice(0, limit);
      const last = page.at(-1);
      const history: CustomerHistory = {
        items: await Promise.all(page.map((e) => e.item())),
        ...(entries.length > limit && last ? { nextCursor: encodeCursor(last.at, last.id) } : {}),
      };
      res.json(history);
    }),
  );

  /** Outbound messages show how far delivery got (callbacks are kept per Twilio sid). */
  async function statusOf(message: HistoryMessage): Promise<{ status: string } | undefined> {
    return message.twilioSid ? deps.deliveryStatus.get(message.twilioSid) : undefined;
  }

  return router;
}
