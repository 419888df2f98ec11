import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { IdentityStore } from '../../src/customers/identity-store';
import type { Chunk } from '../../src/knowledge/types';
import {
  OPERATOR_KEY,
  SECOND_ACCOUNT_SID,
  TEST_ACCOUNT_SID,
  eventually,
  startTestSystem,
  type TestSystem,
} from '../harness/system';

interface DocumentJson {
  id: string;
  knowledgeBaseId: string;
  title: string;
  status: string;
  version: number;
  chunkCount: number;
  error?: { code: string; message: string };
}

interface HitJson {
  snippet: string;
  title: string;
  score: number;
  source: { kind: string; documentId?: string; page?: number; section?: string; title?: string };
}

/** A PDF with one page per entry of `pages` (an empty string makes a page with no text). */
async function pdf(pages: string[]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const text of pages) {
    const page = doc.addPage([595, 842]);
    text.split('\n').forEach((line, i) => page.drawText(line, { x: 50, y: 780 - i * 18, size: 12, font }));
  }
  return Buffer.from(await doc.save());
}

// Knowledge-base documents through the operator API: uploaded (PDF, Markdown) or registered by URL,
// ingested by their workflow, found by /api/search with their source; replaced, refreshed,
// deleted; bad files refused with nothing stored; another account's base never seen.
describe('knowledge documents', () => {
  let system: TestSystem;
  let site: http.Server;
  let siteUrl = '';
  /** What the test's web server answers at /policy.html (changed by the refresh test; undefined: a 503). */
  let page: string | undefined = '';
  // Words no other test file uses, so lexical search finds exactly these documents.
  const tag = Math.random().toString(36).slice(2, 8);
  const word = (w: string) => `${w}${tag}`;
  const account = `accountSid=${TEST_ACCOUNT_SID}`;

  beforeAll(async () => {
    system = await startTestSystem({}, { secondAccount: true });
    site = http.createServer((req, res) => {
      if (req.url === '/policy.html' && page !== undefined) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page);
      } else if (req.url === '/policy.html') {
        res.writeHead(503).end('down for maintenance');
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    site?.closeAllConnections();
    await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
    await system?.stop();
  });

  async function send(
    method: string,
    path: string,
    body: RequestInit['body'],
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: Record<string, unknown>; location: string | null }> {
    const response = await fetch(`${system.gatewayUrl}/api${path}`, {
      method,
      headers: { 'x-api-key': OPERATOR_KEY, ...headers },
      body,
    });
    return {
      status: response.status,
      json: (await response.json()) as Record<string, unknown>,
      location: response.headers.get('location'),
    };
  }

  async function createBase(name: string, accountSid = TEST_ACCOUNT_SID): Promise<string> {
    const created = await system.api('POST', `/knowledge-bases`, { name, accountSid });
    expect(created.status).toBe(201);
    return created.json.id as string;
  }

  async function ready(kb: string, id: string, accountSid = TEST_ACCOUNT_SID, version = 1): Promise<DocumentJson> {
    return eventually(
      `document ${id} version ${version} ready`,
      async () => {
        const got = await system.api('GET', `/knowledge-bases/${kb}/documents/${id}?accountSid=${accountSid}`);
        const doc = got.json as unknown as DocumentJson;
        if (doc.status === 'failed' && doc.version < 1)
          throw new Error(`ingestion failed: ${JSON.stringify(doc.error)}`);
        return doc.status === 'ready' && doc.version >= version && doc;
      },
      45_000,
    );
  }

  async function search(query: string, accountSid = TEST_ACCOUNT_SID): Promise<HitJson[]> {
    const got = await system.api('GET', `/search?q=${encodeURIComponent(query)}&accountSid=${accountSid}`);
    expect(got.status).toBe(200);
    return got.json.hits as HitJson[];
  }

  const found = (hits: HitJson[], text: string) =>
    hits.some((h) => h.snippet.toLowerCase().includes(text.toLowerCase()));

  let kb = '';
  let markdownId = '';

  it('ingests a PDF, a Markdown file and a URL; search finds each with its document, page and section', async () => {
    kb = await createBase(`Support ${tag}`);

    const form = new FormData();
    const pdfBytes = await pdf([
      `Welcome to the ${word('zephyr')} handbook.`,
      `Refunds: the refund window for ${word('quokka')} subscriptions is 45 days.`,
    ]);
    form.append('file', new Blob([pdfBytes], { type: 'application/pdf' }), 'handbook.pdf');
    form.append('title', 'Customer handbook');
    const uploaded = await send('POST', `/knowledge-bases/${kb}/documents?${account}`, form);
    expect(uploaded.status).toBe(202);
    const pdfDoc = uploaded.json as unknown as DocumentJson;
    expect(pdfDoc.status).toBe('queued');
    expect(uploaded.location).toBe(`/api/knowledge-bases/${kb}/documents/${pdfDoc.id}`);

    const markdown = `# Shipping\n\n## Express\n\nExpress parcels to ${word('reykjavik')} travel by airship overnight.\n`;
    const md = await send('POST', `/knowledge-bases/${kb}/documents?${account}&filename=shipping.md`, markdown, {
      'content-type': 'text/markdown',
    });
    expect(md.status).toBe(202);
    markdownId = (md.json as unknown as DocumentJson).id;

    page = `<html><head><title>Warranty</title></head><body><h1>Warranty</h1><p>Every ${word('gizmo')} carries a two year warranty.</p></body></html>`;
    const url = await system.api('POST', `/knowledge-bases/${kb}/documents?${account}`, {
      url: `${siteUrl}/policy.html`,
    });
    expect(url.status).toBe(202);
    const urlId = (url.json as unknown as DocumentJson).id;

    const [readyPdf] = await Promise.all([ready(kb, pdfDoc.id), ready(kb, markdownId), ready(kb, urlId)]);
    expect(readyPdf.chunkCount).toBeGreaterThan(0);
    expect(readyPdf.title).toBe('Customer handbook');

    const refund = (await search(`${word('quokka')} refund window`)).find((h) => h.source.documentId === pdfDoc.id);
    expect(refund).toBeDefined();
    expect(refund!.source.kind).toBe('document');
    expect(refund!.source.page).toBe(2);
    expect(refund!.snippet.toLowerCase()).toContain(word('quokka'));

    const express = (await search(word('reykjavik'))).find((h) => h.source.documentId === markdownId);
    expect(express?.source.section).toContain('Express');

    const warranty = (await search(word('gizmo'))).find((h) => h.source.documentId === urlId);
    expect(warranty).toBeDefined();

    // No embedding provider here: a hybrid search runs lexically and says why.
    const hybrid = await system.api('GET', `/search?q=${word('gizmo')}&mode=hybrid&knowledgeBase=${kb}&${account}`);
    expect(hybrid.json.mode).toBe('lexical');
    expect(hybrid.json.degraded).toEqual(expect.stringContaining('embedding provider'));
    expect((hybrid.json.hits as HitJson[]).length).toBeGreaterThan(0);

    const listed = await system.api('GET', `/knowledge-bases/${kb}/documents?${account}`);
    expect((listed.json.documents as DocumentJson[]).map((d) => d.id).sort()).toEqual(
      [pdfDoc.id, markdownId, urlId].sort(),
    );
  });

  it('replaces a re-uploaded document: the old text is no longer found, the new one is', async () => {
    const changed = `# Shipping\n\n## Express\n\nExpress parcels to ${word('oslo')} travel by hovercraft overnight.\n`;
    const replaced = await send('PUT', `/knowledge-bases/${kb}/documents/${markdownId}?${account}`, changed, {
      'content-type': 'text/markdown',
    });
    expect(replaced.status).toBe(202);
    const doc = await ready(kb, markdownId, TEST_ACCOUNT_SID, 2);
    expect(doc.version).toBe(2);
    await eventually('the new text found, the old one not', async () => {
      const [now, before] = await Promise.all([search(word('oslo')), search(word('reykjavik'))]);
      return found(now, word('oslo')) && !found(before, word('reykjavik'));
    });
    // Only the new version's chunks are left in the index.
    expect(await system.knowledge.index.count({ accountSid: TEST_ACCOUNT_SID })).toBeGreaterThan(0);

    // The same content again: nothing to re-index.
    const same = await send('PUT', `/knowledge-bases/${kb}/documents/${markdownId}?${account}`, changed, {
      'content-type': 'text/markdown',
    });
    expect(same.status).toBe(200);
    expect(same.json.unchanged).toBe(true);
    expect(same.json.version).toBe(2);
  });

  it('never finds a deleted document again, from the moment it is deleted', async () => {
    expect(found(await search(word('oslo')), word('oslo'))).toBe(true);
    const deleted = await system.api('DELETE', `/knowledge-bases/${kb}/documents/${markdownId}?${account}`);
    expect(deleted.status).toBe(202);
    // Not found at once, while its chunks may still be in the index.
    expect(found(await search(word('oslo')), word('oslo'))).toBe(false);
    expect((await system.api('GET', `/knowledge-bases/${kb}/documents/${markdownId}?${account}`)).status).toBe(404);
    // Its workflow removes chunks, bytes, then the record.
    await eventually(
      'the document removed',
      async () =>
        (await system.db.collection('knowledge_documents').countDocuments({ _id: markdownId as never })) === 0,
    );
    const left = await system.knowledge.index.count({ accountSid: TEST_ACCOUNT_SID });
    const files = await system.db
      .collection('knowledge_files.files')
      .countDocuments({ 'metadata.documentId': markdownId });
    expect(files).toBe(0);
    expect(found(await search(word('oslo')), word('oslo'))).toBe(false);
    expect(left).toBeGreaterThan(0); // the other documents' chunks stay
  });

  it('refuses bad files with a clear error and stores nothing', async () => {
    const before = {
      documents: await system.db.collection('knowledge_documents').countDocuments(),
      files: await system.db.collection('knowledge_files.files').countDocuments(),
      chunks: await system.knowledge.index.count({ accountSid: TEST_ACCOUNT_SID }),
    };
    const path = `/knowledge-bases/${kb}/documents?${account}`;

    const empty = await send('POST', path, '', { 'content-type': 'text/plain' });
    expect(empty.status).toBe(400);
    expect(empty.json.code).toBe('empty');

    const maxBytes = system.config.get().knowledge.documents.maxBytes;
    const big = await send('POST', path, Buffer.alloc(maxBytes + 1, 'a'), { 'content-type': 'text/plain' });
    expect(big.status).toBe(413);
    expect(big.json.code).toBe('too_big');

    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, ...Buffer.from('not a document at all')]);
    const unsupported = await send('POST', path, zip, { 'content-type': 'application/zip' });
    expect(unsupported.status).toBe(415);
    expect(typeof unsupported.json.code).toBe('string');
    expect(String(unsupported.json.error)).not.toBe('');

    const form = new FormData();
    form.append('file', new Blob([await pdf([''])], { type: 'application/pdf' }), 'scan.pdf');
    const noText = await send('POST', path, form);
    expect(noText.status).toBe(422);
    expect(typeof noText.json.code).toBe('string');

    const badUrl = await system.api('POST', path, { url: 'ftp://example.com/file.txt' });
    expect(badUrl.status).toBe(400);

    expect(await system.db.collection('knowledge_documents').countDocuments()).toBe(before.documents);
    expect(await system.db.collection('knowledge_files.files').countDocuments()).toBe(before.files);
    expect(await system.knowledge.index.count({ accountSid: TEST_ACCOUNT_SID })).toBe(before.chunks);
  });

  it("keeps another account's knowledge base invisible", async () => {
    const theirs = await createBase(`Theirs ${tag}`, SECOND_ACCOUNT_SID);
    const secret = word('marzipan');
    const doc = await send(
      'POST',
      `/knowledge-bases/${theirs}/documents?accountSid=${SECOND_ACCOUNT_SID}`,
      `The ${secret} vault code is kept by the night manager.`,
      { 'content-type': 'text/plain' },
    );
    expect(doc.status).toBe(202);
    await ready(theirs, (doc.json as unknown as DocumentJson).id, SECOND_ACCOUNT_SID);

    expect(found(await search(secret, SECOND_ACCOUNT_SID), secret)).toBe(true);
    expect(found(await search(secret, TEST_ACCOUNT_SID), secret)).toBe(false);
    expect((await system.api('GET', `/knowledge-bases/${theirs}?${account}`)).status).toBe(404);
    expect((await system.api('GET', `/knowledge-bases/${theirs}/documents?${account}`)).status).toBe(404);
    const mine = await system.api('GET', `/knowledge-bases?${account}`);
    expect((mine.json.knowledgeBases as { id: string }[]).map((b) => b.id)).not.toContain(theirs);
    expect((await system.api('GET', `/search?q=${secret}&knowledgeBase=${theirs}&${account}`)).status).toBe(404);
    expect((await system.api('DELETE', `/knowledge-bases/${theirs}?${account}`)).status).toBe(404);

    // Deleting the base removes its documents and chunks.
    expect((await system.api('DELETE', `/knowledge-bases/${theirs}?accountSid=${SECOND_ACCOUNT_SID}`)).status).toBe(
      202,
    );
    expect(found(await search(secret, SECOND_ACCOUNT_SID), secret)).toBe(false);
    await eventually('the base and its chunks gone', async () => {
      const got = await system.api('GET', `/knowledge-bases/${theirs}?accountSid=${SECOND_ACCOUNT_SID}`);
      const chunks = await system.knowledge.index.count({ accountSid: SECOND_ACCOUNT_SID });
      const base = await system.db.collection('knowledge_bases').countDocuments({ _id: theirs as never });
      return got.status === 404 && chunks === 0 && base === 0;
    });
  });

  it('re-fetches a URL document on its schedule and picks up the change', async () => {
    page = `<html><body><h1>Opening hours</h1><p>The ${word('lighthouse')} shop opens at nine.</p></body></html>`;
    const url = await system.api('POST', `/knowledge-bases/${kb}/documents?${account}`, {
      url: `${siteUrl}/policy.html`,
      title: 'Opening hours',
      refreshEvery: '1s',
    });
    expect(url.status).toBe(202);
    const id = (url.json as unknown as DocumentJson).id;
    await ready(kb, id);
    expect(found(await search(word('lighthouse')), word('lighthouse'))).toBe(true);

    // The site fails: the document says so, and the version indexed before stays searchable.
    page = undefined;
    const failed = await eventually('the refresh to fail', async () => {
      const got = await system.api('GET', `/knowledge-bases/${kb}/documents/${id}?${account}`);
      const doc = got.json as unknown as DocumentJson;
      return doc.status === 'failed' && doc;
    });
    expect(failed.error?.code).toEqual(expect.any(String));
    expect(failed.version).toBe(1);
    expect(found(await search(word('lighthouse')), word('lighthouse'))).toBe(true);

    page = `<html><body><h1>Opening hours</h1><p>The ${word('harbour')} shop opens at ten.</p></body></html>`;
    await ready(kb, id, TEST_ACCOUNT_SID, 2);
    await eventually('the refreshed text found, the old one not', async () => {
      const [now, before] = await Promise.all([search(word('harbour')), search(word('lighthouse'))]);
      return found(now, word('harbour')) && !found(before, word('lighthouse'));
    });
    // Stop the refresh loop with the document.
    expect((await system.api('DELETE', `/knowledge-bases/${kb}/documents/${id}?${account}`)).status).toBe(202);
  });

  it("searches one customer's history only, within the account", async () => {
    const identities = new IdentityStore(system.db);
    const digits = String(Math.floor(Math.random() * 9000) + 1000);
    const alice = await identities.resolve(TEST_ACCOUNT_SID, `+1415558${digits}`);
    const bob = await identities.resolve(TEST_ACCOUNT_SID, `+1415559${digits}`);
    const at = new Date().toISOString();
    const said = (customerId: string, text: string): Chunk => ({
      id: `test:${customerId}:${tag}`,
      accountSid: TEST_ACCOUNT_SID,
      customerId,
      channel: 'sms',
      text,
      title: 'SMS conversation',
      source: { kind: 'message', messageId: `msg-${customerId}-${tag}`, direction: 'inbound', at },
      at,
    });
    const parcel = word('parcel');
    await system.knowledge.indexChunks([
      said(alice, `My ${parcel} went to the wrong door.`),
      said(bob, `Where is my ${parcel}? It is late.`),
    ]);

    const mine = await system.api('GET', `/customers/${alice}/search?q=${parcel}`);
    expect(mine.status).toBe(200);
    const hits = mine.json.hits as (HitJson & { customerId?: string })[];
    expect(hits.length).toBe(1);
    expect(hits[0]!.customerId).toBe(alice);
    expect(hits[0]!.source.kind).toBe('message');

    const narrowed = await system.api('GET', `/search?q=${parcel}&customer=${bob}&${account}`);
    expect((narrowed.json.hits as { customerId?: string }[]).map((h) => h.customerId)).toEqual([bob]);
    const everyone = await system.api('GET', `/search?q=${parcel}&kind=message&${account}`);
    expect((everyone.json.hits as unknown[]).length).toBe(2);
    expect(
      (await system.api('GET', `/customers/${alice}/search?q=${parcel}&accountSid=${SECOND_ACCOUNT_SID}`)).status,
    ).toBe(404);
    expect((await system.api('GET', `/search?q=${parcel}&${account}&from=yesterday`)).status).toBe(400);
  });
});
