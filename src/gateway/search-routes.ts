import { Router, type Request } from 'express';
import { z } from 'zod';
import type { ConfigStore } from '../config/store';
import type { IdentityStore } from '../customers/identity-store';
import type { KnowledgeBaseStore } from '../knowledge/bases/knowledge-base-store';
import type { SearchHit, SearchQuery, SearchResult, SearchScope } from '../knowledge/types';
import type { Logger } from '../observability/logger';
import { AccountQuery, ApiError, handle } from './operator-api';
import { ensureVisible, scopedAccount } from './principal';

/** What the routes need of the knowledge service (src/knowledge/knowledge.ts). */
interface KnowledgeSearch {
  search(query: SearchQuery): Promise<SearchResult>;
}

export interface SearchRouteDeps {
  config: ConfigStore;
  knowledge: KnowledgeSearch;
  identities: IdentityStore;
  knowledgeBases: KnowledgeBaseStore;
  log: Logger;
}

/** `a,b` or a repeated parameter, as a list. */
const list = <T extends string>(item: z.ZodType<T, string>) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) =>
      (Array.isArray(v) ? v : [v])
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1).max(20));

const Instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z' });

/** The filters both search routes take. */
const FilterQuery = AccountQuery.extend({
  q: z.string().trim().min(2, 'at least 2 characters').max(500),
  channel: list(z.enum(['sms', 'whatsapp', 'conversations', 'voice'])).optional(),
  kind: list(z.enum(['call', 'message', 'voice_note', 'image', 'document'])).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(10),
  mode: z.enum(['hybrid', 'lexical', 'vector']).optional(),
});

const SearchAllQuery = FilterQuery.extend({
  customer: z
    .string()
    .regex(/^cus_[0-9a-f]+$/, 'must be a customer id (cus_…)')
    .optional(),
  knowledgeBase: list(z.string().regex(/^kb_[0-9a-f]{16}$/, 'must be a knowledge base id (kb_…)')).optional(),
});

/** A hit as the operator API shows it: where it came from (to cite it) first, then what it says. */
function hitJson({ chunk, score, snippet }: SearchHit) {
  return {
    score,
    snippet,
    title: chunk.title,
    kind: chunk.source.kind,
    source: chunk.source,
    at: chunk.at,
    ...(chunk.customerId !== undefined ? { customerId: chunk.customerId } : {}),
    ...(chunk.channel !== undefined ? { channel: chunk.channel } : {}),
    chunkId: chunk.id,
  };
}

/**
 * `GET /api/search` (everything of the account: documents of its knowledge bases and its
 * customers' conversations, narrowed by `customer` and/or `knowledgeBase`) and `GET
 * /api/customers/:id/search` (that customer's history only). Ranked hits with a snippet and their
 * source; `mode` says what ran, `degraded` why it is not what was asked for.
 */
export function searchRoutes(deps: SearchRouteDeps): Router {
  const router = Router();

  async function run(
    req: Request,
    scope: SearchScope,
    query: z.infer<typeof FilterQuery>,
  ): Promise<Record<string, unknown>> {
    if (query.from && query.to && query.from > query.to) throw new ApiError(400, 'from: must not be after to');
    const result = await deps.knowledge.search({
      text: query.q,
      scope,
      filters: {
        ...(query.channel ? { channels: query.channel } : {}),
        ...(query.kind ? { kinds: query.kind } : {}),
        ...(query.from ? { from: new Date(query.from).toISOString() } : {}),
        ...(query.to ? { to: new Date(query.to).toISOString() } : {}),
      },
      limit: query.limit,
      ...(query.mode ? { mode: query.mode } : {}),
    });
    // The knowledge layer hides chunks of replaced or deleted documents (openKnowledge's visibleHits).
    const { hits } = result;
    deps.log.debug({ path: req.path, mode: result.mode, hits: hits.length, tookMs: result.tookMs }, 'search');
    return {
      query: query.q,
      mode: result.mode,
      ...(result.degraded !== undefined ? { degraded: result.degraded } : {}),
      tookMs: result.tookMs,
      hits: hits.map(hitJson),
    };
  }

  async function customerOfAccount(customerId: string, accountSid: string): Promise<void> {
    if ((await deps.identities.accountOf(customerId)) !== accountSid)
      throw new ApiError(404, `customer ${customerId} not found`);
  }

  router.get(
    '/search',
    handle(deps.log, async (req, res) => {
      const query = SearchAllQuery.parse(req.query);
      const accountSid = scopedAccount(deps.config, res, query.accountSid);
      if (query.customer) await customerOfAccount(query.customer, accountSid);
      if (query.knowledgeBase) {
        const found = await deps.knowledgeBases.existing(accountSid, query.knowledgeBase);
        const missing = query.knowledgeBase.find((id) => !found.includes(id));
        if (missing) throw new ApiError(404, `knowledge base ${missing} not found`);
      }
      // Naming customers or bases narrows to them; naming neither searches the whole account.
      const narrowed = query.customer !== undefined || query.knowledgeBase !== undefined;
      const scope: SearchScope = {
        accountSid,
        ...(query.customer ? { customerIds: [query.customer] } : narrowed ? {} : { allCustomers: true }),
        ...(query.knowledgeBase
          ? { knowledgeBaseIds: query.knowledgeBase }
          : narrowed
            ? {}
            : { allKnowledgeBases: true }),
      };
      res.json(await run(req, scope, query));
    }),
  );

  router.get(
    '/customers/:id/search',
    handle(deps.log, async (req, res) => {
      const query = FilterQuery.parse(req.query);
      const customerId = String(req.params.id);
      const accountSid = await deps.identities.accountOf(customerId);
      if (!accountSid || (query.accountSid && query.accountSid !== accountSid))
        throw new ApiError(404, `customer ${customerId} not found`);
      ensureVisible(res, accountSid, `customer ${customerId}`);
      res.json(await run(req, { accountSid, customerIds: [customerId] }, query));
    }),
  );

  return router;
}
