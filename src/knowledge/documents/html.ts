import { htmlToText, type FormatCallback, type SelectorDefinition } from 'html-to-text';
import { SectionBuilder, type ExtractedSection } from './sections';
import { normalizeText } from './text';

/**
 * HTML to sections with html-to-text: page furniture (navigation, scripts, styles, forms) is skipped,
 * <h1>–<h6> become the section path, <title> the document's title, links and images keep only their
 * words. Headings are marked in the converted text with private-use characters and split on afterwards,
 * which keeps html-to-text's careful block and table layout intact.
 */

const MARK_OPEN = '\ue000';
const MARK_CLOSE = '\ue001';

const SKIPPED = ['nav', 'script', 'style', 'noscript', 'template', 'svg', 'iframe', 'form', 'button', 'head'];

const headingFormatter: FormatCallback = (elem, walk, builder) => {
  const level = Number(/^h([1-6])$/i.exec(elem.name ?? '')?.[1] ?? 1);
  builder.openBlock({ leadingLineBreaks: 2 });
  builder.addLiteral(`${MARK_OPEN}${level}${MARK_CLOSE}`);
  walk(elem.children, builder);
  builder.closeBlock({ trailingLineBreaks: 2 });
};

const selectors: SelectorDefinition[] = [
  ...SKIPPED.map((selector) => ({ selector, format: 'skip' })),
  ...[1, 2, 3, 4, 5, 6].map((n) => ({ selector: `h${n}`, format: 'beluga-heading' })),
  { selector: 'a', options: { ignoreHref: true } },
  { selector: 'img', format: 'skip' },
  { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
  { selector: 'hr', format: 'paragraph' },
];

export function extractHtml(html: string): { title?: string; sections: ExtractedSection[] } {
  const cleaned = html.replace(/[\ue000\ue001]/g, '');
  const text = htmlToText(cleaned, {
    wordwrap: false,
    selectors,
    formatters: { 'beluga-heading': headingFormatter },
    // Bounds the work a hostile page can cause; real documents stay far below these.
    limits: { maxInputLength: 20_000_000, maxDepth: 500 },
  });

  const builder = new SectionBuilder();
  const headingLine = new RegExp(`^${MARK_OPEN}([1-6])${MARK_CLOSE}(.*)$`);
  for (const line of text.split('\n')) {
    const heading = headingLine.exec(line);
    if (heading) {
      const title = normalizeText(heading[2] ?? '');
      if (title !== '') builder.heading(Number(heading[1]), title);
    } else {
      builder.line(line);
    }
  }
  builder.flush();

  const sections = builder.sections.map((s) => ({ ...s, text: normalizeText(s.text) })).filter((s) => s.text !== '');
  const title = documentTitle(cleaned);
  return title ? { title, sections } : { sections };
}

function documentTitle(html: string): string | undefined {
  const inner = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  if (inner === undefined) return undefined;
  // Decodes entities the same way as the body.
  const title = normalizeText(htmlToText(inner, { wordwrap: false })).replace(/\s+/g, ' ');
  return title === '' ? undefined : title;
}
