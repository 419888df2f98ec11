import { DocumentError } from '../../../src/knowledge/documents/errors';
import { extractDocument, type ExtractOptions } from '../../../src/knowledge/documents/extract';
import { detectDocumentType } from '../../../src/knowledge/documents/detect';
import { passwordProtectedPdf, pdfWithPages, pdfWithoutText } from './pdf-fixtures';

const options: ExtractOptions = { maxBytes: 1024 * 1024 };
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

async function failure(promise: Promise<unknown>): Promise<DocumentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DocumentError)) throw new Error(`expected a DocumentError, got ${String(error)}`);
  return error;
}

describe('PDF', () => {
  it('keeps each page as its own section with its number, the metadata title, and joins words hyphenated at a line end', async () => {
    const bytes = await pdfWithPages(
      [
        ['Returns', 'Items may be returned within 30 days of deliv-', 'ery for a full refund.'],
        ['Shipping', 'Orders ship within two business days.'],
        ['Warranty', 'Hardware carries a two-year warranty.'],
      ],
      'Customer Handbook',
    );
    const doc = await extractDocument({ bytes, contentType: 'application/pdf', fileName: 'handbook.pdf' }, options);
    expect(doc.type).toBe('application/pdf');
    expect(doc.title).toBe('Customer Handbook');
    expect(doc.pageCount).toBe(3);
    expect(doc.sections.map((s) => s.page)).toEqual([1, 2, 3]);
    expect(doc.sections[0]?.text).toContain('within 30 days of delivery for a full refund.');
    expect(doc.sections[1]?.text).toContain('Orders ship within two business days.');
    expect(doc.sections[2]?.text).toContain('two-year warranty');
  });

  it('is recognised by its header even when labelled as something generic', async () => {
    const bytes = await pdfWithPages([['Only page']]);
    const doc = await extractDocument(
      { bytes, contentType: 'application/octet-stream', fileName: 'download' },
      options,
    );
    expect(doc.sections).toEqual([{ page: 1, text: 'Only page' }]);
  });

  it('refuses a PDF with no text layer as no_text', async () => {
    const error = await failure(extractDocument({ bytes: await pdfWithoutText(), fileName: 'scan.pdf' }, options));
    expect(error.code).toBe('no_text');
    expect(error.message).toMatch(/no text layer/);
  });

  it('refuses a truncated PDF as unreadable', async () => {
    const bytes = await pdfWithPages([['A page that will be cut off']]);
    const error = await failure(extractDocument({ bytes: bytes.subarray(0, Math.floor(bytes.length / 2)) }, options));
    expect(error.code).toBe('unreadable');
  });

  it('refuses a password-protected PDF as encrypted', async () => {
    const error = await failure(extractDocument({ bytes: await passwordProtectedPdf() }, options));
    expect(error.code).toBe('encrypted');
    expect(error.message).toMatch(/password/);
  });

  it('refuses a file labelled PDF without a PDF header as unreadable', async () => {
    const error = await failure(
      extractDocument({ bytes: utf8('<html>Not found</html>'), fileName: 'report.pdf' }, options),
    );
    expect(error.code).toBe('unreadable');
  });
});

describe('HTML', () => {
  const html = `<!doctype html><html><head><title>Refunds &amp; Returns</title><style>body{color:red}</style>
    <script>var tracking = "do not index";</script></head>
    <body><nav><a href="/">Home</a> <a href="/shop">Shop the sale</a></nav>
    <h1>Refund policy</h1><p>We refund <a href="/x">every order</a> within 30&nbsp;days.</p>
    <h2>Exceptions</h2><p>Gift cards are final sale.</p><img src="x.png" alt="banner">
    <h3>Digital goods</h3><ul><li>Software licences</li><li>E-books</li></ul>
    <h2>Contact</h2><table><tr><th>Team</th><th>Phone</th></tr><tr><td>Billing</td><td>555-0100</td></tr></table>
    <noscript>Enable JavaScript</noscript></body></html>`;

  it('takes <title> as the title, headings as the section path, and skips navigation, scripts and styles', async () => {
    const doc = await extractDocument({ bytes: utf8(html), contentType: 'text/html; charset=utf-8' }, options);
    expect(doc.type).toBe('text/html');
    expect(doc.title).toBe('Refunds & Returns');
    expect(doc.sections.map((s) => s.section)).toEqual([
      'Refund policy',
      'Refund policy > Exceptions',
      'Refund policy > Exceptions > Digital goods',
      'Refund policy > Contact',
    ]);
    expect(doc.sections[0]?.text).toBe('We refund every order within 30 days.');
    expect(doc.sections[2]?.text).toMatch(/Software licences\n.*E-books/);
    expect(doc.sections[3]?.text).toMatch(/Billing\s+555-0100/);
    const all = doc.sections.map((s) => s.text).join('\n');
    for (const noise of ['tracking', 'color:red', 'Shop the sale', 'Enable JavaScript', '/x', 'x.png']) {
      expect(all).not.toContain(noise);
    }
  });

  it('is sniffed from the content when nothing is declared', () => {
    expect(detectDocumentType({ bytes: utf8('  <!DOCTYPE html><p>hi</p>') }).type).toBe('text/html');
  });
});

describe('Markdown', () => {
  const markdown = [
    '# Pricing guide',
    '',
    'Our plans are **simple** — see [the site](https://example.com/pricing).',
    '',
    '## Plans',
    '',
    '| Plan | Price | Calls |',
    '|------|------:|-------|',
    '| Starter | $20 | 500 |',
    '| Pro | $80 | 5,000 |',
    '',
    '### Discounts',
    '',
    '* Annual billing saves _two months_',
    '1. Nonprofits get `20%` off',
    '',
    '```',
    '# not a heading',
    '```',
    '',
    'Setext heading',
    '--------------',
    '',
    'Under a setext heading with snake_case_names kept.',
  ].join('\n');

  it('turns headings into sections, tables into named rows, and strips markup but not words', async () => {
    const doc = await extractDocument({ bytes: utf8(markdown), fileName: 'pricing.md' }, options);
    expect(doc.type).toBe('text/markdown');
    expect(doc.title).toBe('Pricing guide');
    expect(doc.sections).toEqual([
      { text: 'Our plans are simple — see the site.' },
      { section: 'Plans', text: 'Plan: Starter; Price: $20; Calls: 500\nPlan: Pro; Price: $80; Calls: 5,000' },
      {
        section: 'Plans > Discounts',
        text: '- Annual billing saves two months\n1. Nonprofits get 20% off\n\n# not a heading',
      },
      { section: 'Setext heading', text: 'Under a setext heading with snake_case_names kept.' },
    ]);
  });

  it('is recognised as Markdown when declared text/plain with a .md name', () => {
    expect(detectDocumentType({ bytes: utf8('# T'), contentType: 'text/plain', fileName: 'a.md' }).type).toBe(
      'text/markdown',
    );
  });

  it('takes a front matter title and drops the front matter', async () => {
    const doc = await extractDocument(
      { bytes: utf8('---\ntitle: "Opening hours"\nauthor: ops\n---\nWe open at 9.\n'), contentType: 'text/markdown' },
      options,
    );
    expect(doc).toEqual({ type: 'text/markdown', title: 'Opening hours', sections: [{ text: 'We open at 9.' }] });
  });
});

describe('plain text', () => {
  it('normalises Windows line endings, whitespace and hyphenation into paragraphs', async () => {
    const text = 'Refund  policy\r\n\r\n\r\nReturns are accepted with-\r\nin 30 days.\r\nKeep\tthe receipt.\r\n';
    const doc = await extractDocument(
      { bytes: utf8(text), contentType: 'text/plain', fileName: 'policy.txt' },
      options,
    );
    expect(doc).toEqual({
      type: 'text/plain',
      sections: [{ text: 'Refund policy\n\nReturns are accepted within 30 days.\nKeep the receipt.' }],
    });
  });

  it('decodes a UTF-8 byte-order mark and Windows-1252 text', async () => {
    const bom = await extractDocument({ bytes: new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('Café')]) }, options);
    expect(bom.sections[0]?.text).toBe('Café');
    const latin = await extractDocument(
      { bytes: new Uint8Array([0x43, 0x61, 0x66, 0xe9]), fileName: 'a.txt' },
      options,
    );
    expect(latin.sections[0]?.text).toBe('Café');
  });
});

describe('bad files', () => {
  it('refuses an empty file and a whitespace-only file as empty', async () => {
    expect((await failure(extractDocument({ bytes: new Uint8Array(), fileName: 'a.txt' }, options))).code).toBe(
      'empty',
    );
    expect((await failure(extractDocument({ bytes: utf8(' \r\n\t\n'), fileName: 'a.txt' }, options))).code).toBe(
      'empty',
    );
    const markupOnly = utf8('<html><head><title>x</title></head><body><script>x()</script></body></html>');
    expect((await failure(extractDocument({ bytes: markupOnly, contentType: 'text/html' }, options))).code).toBe(
      'empty',
    );
  });

  it('refuses a file over the limit as too_big, naming the limit', async () => {
    const error = await failure(extractDocument({ bytes: new Uint8Array(2048).fill(0x61) }, { maxBytes: 1024 }));
    expect(error.code).toBe('too_big');
    expect(error.message).toContain('1 KiB');
  });

  it('names a PNG and a .docx (ZIP) for what they are and lists what is supported', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const pngError = await failure(
      extractDocument({ bytes: png, contentType: 'text/plain', fileName: 'x.txt' }, options),
    );
    expect(pngError.code).toBe('unsupported_type');
    expect(pngError.message).toMatch(/PNG image.*supported: plain text.*Markdown.*HTML.*PDF/);

    const docx = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, ...utf8('[Content_Types].xml')]);
    const docxError = await failure(
      extractDocument(
        {
          bytes: docx,
          fileName: 'contract.docx',
          contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        },
        options,
      ),
    );
    expect(docxError.code).toBe('unsupported_type');
    expect(docxError.message).toMatch(/ZIP archive \(e\.g\. \.docx/);
  });

  it('refuses unsupported declared types and extensions', async () => {
    const json = await failure(extractDocument({ bytes: utf8('{"a":1}'), contentType: 'application/json' }, options));
    expect(json.code).toBe('unsupported_type');
    expect(json.message).toContain('application/json');
    const csv = await failure(extractDocument({ bytes: utf8('a,b\n1,2'), fileName: 'data.csv' }, options));
    expect(csv.code).toBe('unsupported_type');
    expect(csv.message).toContain('csv');
  });

  it('refuses binary garbage declared as text', async () => {
    const garbage = new Uint8Array(4096);
    let seed = 7;
    for (let i = 0; i < garbage.length; i++) garbage[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff;
    const error = await failure(
      extractDocument({ bytes: garbage, contentType: 'text/plain', fileName: 'notes.txt' }, options),
    );
    expect(error.code).toBe('unsupported_type');
    expect(error.message).toMatch(/binary data, not text/);
  });
});
