import { FormParams } from './form-params';

/**
 * Twilio list paging: `PageSize` (default 50, max 1000), `Page` (0-based) and an opaque `PageToken`.
 * Our token names the last sid of the previous page, so paging stays stable if items are added.
 */
const PAGING_KEYS = new Set(['Page', 'PageSize', 'PageToken']);

interface PageSlice<T> {
  items: T[];
  page: number;
  pageSize: number;
  nextToken: string | undefined;
  previousPage: number | undefined;
}

function slicePage<T extends { sid: string }>(all: T[], query: FormParams): PageSlice<T> {
  const pageSize = Math.min(Math.max(Number(query.get('PageSize') ?? 50) || 50, 1), 1000);
  const page = Math.max(Number(query.get('Page') ?? 0) || 0, 0);
  const token = query.get('PageToken');
  const afterSid = token?.startsWith('PA') ? token.slice(2) : undefined;
  const tokenIndex = afterSid ? all.findIndex((item) => item.sid === afterSid) : -1;
  const start = tokenIndex >= 0 ? tokenIndex + 1 : page * pageSize;
  const items = all.slice(start, start + pageSize);
  const last = items[items.length - 1];
  const nextToken = start + pageSize < all.length && last ? `PA${last.sid}` : undefined;
  return { items, page, pageSize, nextToken, previousPage: page > 0 ? page - 1 : undefined };
}

function queryString(query: FormParams, paging: Record<string, string | number>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query.toRecord())) {
    if (PAGING_KEYS.has(key)) continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, v);
  }
  for (const [key, value] of Object.entries(paging)) search.append(key, String(value));
  return search.toString();
}

/** API 2010-04-01 lists: top-level `*_page_uri` fields, relative to https://api.twilio.com. */
export function renderV2010Page<T extends { sid: string }>(opts: {
  key: string;
  listUri: string;
  all: T[];
  query: FormParams;
  render: (item: T) => object;
}): object {
  const slice = slicePage(opts.all, opts.query);
  const uriFor = (paging: Record<string, string | number>) => `${opts.listUri}?${queryString(opts.query, paging)}`;
  const start = slice.page * slice.pageSize;
  return {
    [opts.key]: slice.items.map(opts.render),
    end: start + Math.max(slice.items.length - 1, 0),
    first_page_uri: uriFor({ PageSize: slice.pageSize, Page: 0 }),
    next_page_uri: slice.nextToken
      ? uriFor({ PageSize: slice.pageSize, Page: slice.page + 1, PageToken: slice.nextToken })
      : null,
    page: slice.page,
    page_size: slice.pageSize,
    previous_page_uri:
      slice.previousPage !== undefined ? uriFor({ PageSize: slice.pageSize, Page: slice.previousPage }) : null,
    start,
    uri: uriFor({ PageSize: slice.pageSize, Page: slice.page }),
  };
}

/** v1 APIs (Conversations, ...): `{ <key>: [...], meta: { ..., key } }` with absolute URLs. */
export function renderV1Page<T extends { sid: string }>(opts: {
  key: string;
  listUrl: string;
  all: T[];
  query: FormParams;
  render: (item: T) => object;
}): object {
  const slice = slicePage(opts.all, opts.query);
  const urlFor = (paging: Record<string, string | number>) => `${opts.listUrl}?${queryString(opts.query, paging)}`;
  return {
    [opts.key]: slice.items.map(opts.render),
    meta: {
      page: slice.page,
      page_size: slice.pageSize,
      first_page_url: urlFor({ PageSize: slice.pageSize, Page: 0 }),
      previous_page_url:
        slice.previousPage !== undefined ? urlFor({ PageSize: slice.pageSize, Page: slice.previousPage }) : null,
      url: urlFor({ PageSize: slice.pageSize, Page: slice.page }),
      next_page_url: slice.nextToken
        ? urlFor({ PageSize: slice.pageSize, Page: slice.page + 1, PageToken: slice.nextToken })
        : null,
      key: opts.key,
    },
  };
}
