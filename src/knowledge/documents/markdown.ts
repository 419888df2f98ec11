import { SectionBuilder, type ExtractedSection } from './sections';
import { normalizeText } from './text';

/**
 * Markdown to sections: headings (ATX and setext) become the section path; links, images, emphasis,
 * inline HTML and code fences lose their markup but keep their words; list items stay one per line; a
 * table becomes one line per row, each cell named by its column ("Plan: Pro; Price: $20"), so a row cut
 * into a chunk of its own still says what it means.
 */
export function extractMarkdown(source: string): { title?: string; sections: ExtractedSection[] } {
  const { body, title: frontMatterTitle } = splitFrontMatter(normalizeLineEnds(source));
  const lines = body.split('\n');
  const builder = new SectionBuilder();
  let title = frontMatterTitle;
  let sawHeading = false;
  let fence: string | undefined;
  let tableHeader: string[] | undefined;

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const fenceMatch = /^\s{0,3}(```+|~~~+)/.exec(raw);
    if (fence !== undefined) {
      if (fenceMatch && fenceMatch[1]?.startsWith(fence)) fence = undefined;
      else builder.line(raw.trimEnd());
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1];
      continue;
    }

    const next = lines[i + 1] ?? '';
    const atx = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+\s*)?$/.exec(raw);
    const setext = raw.trim() !== '' && !isListItem(raw) && !isTableRow(raw) && /^\s{0,3}(=+|-+)\s*$/.exec(next);
    if (atx || setext) {
      const level = atx ? (atx[1]?.length ?? 1) : setext && setext[1]?.startsWith('=') ? 1 : 2;
      const text = inline(atx ? (atx[2] ?? '') : raw);
      if (setext) i++;
      tableHeader = undefined;
      if (text === '') continue;
      // A leading top-level heading is the document's title, not a section of it.
      if (!sawHeading && level === 1 && title === undefined) {
        title = text;
        sawHeading = true;
        builder.flush();
        continue;
      }
      sawHeading = true;
      builder.heading(title !== undefined && level > 1 ? level - 1 : level, text);
      continue;
    }

    if (isTableRow(raw)) {
      const cells = tableCells(raw);
      if (cells.every((c) => /^:?-{1,}:?$/.test(c))) continue; // the |---|---| separator row
      if (!tableHeader && /^\s*\|?\s*:?-+/.test(next)) {
        tableHeader = cells;
        continue;
      }
      builder.line(tableRow(cells, tableHeader));
      continue;
    }
    tableHeader = undefined;

    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(raw)) {
      builder.line(''); // a thematic break separates paragraphs
      continue;
    }
    if (/^\s{0,3}\[[^\]]+\]:\s*\S+/.test(raw)) continue; // a link reference definition
    builder.line(blockLine(raw));
  }
  builder.flush();
  const sections = builder.sections.map((s) => ({ ...s, text: normalizeText(s.text) })).filter((s) => s.text !== '');
  return title ? { title, sections } : { sections };
}

function normalizeLineEnds(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** YAML front matter is metadata, not text; its `title:` is the document's title. */
function splitFrontMatter(text: string): { body: string; title?: string } {
  const match = /^---\n([\s\S]*?)\n(?:---|\.\.\.)\n/.exec(text);
  if (!match) return { body: text };
  const titleLine = /^title:\s*(.+)$/m.exec(match[1] ?? '');
  const title = titleLine?.[1]?.trim().replace(/^(["'])(.*)\1$/, '$2');
  const body = text.slice(match[0].length);
  return title ? { body, title } : { body };
}

function isListItem(line: string): boolean {
  return /^\s*([-*+]|\d+[.)])\s+/.test(line);
}

function isTableRow(line: string): boolean {
  return /^\s*\|.*\|\s*$/.test(line);
}

function tableCells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => inline(c.trim()));
}

function tableRow(cells: string[], header: string[] | undefined): string {
  if (!header) return cells.join(' | ');
  return cells
    .map((cell, i) => (header[i] ? `${header[i]}: ${cell}` : cell))
    .filter((c) => c.trim() !== '' && !/:\s*$/.test(c))
    .join('; ');
}

/** One line of a paragraph, list or quote: block markers normalised, inline markup removed. */
function blockLine(line: string): string {
  let text = line.replace(/^\s{0,3}(>\s?)+/, ''); // block quotes
  const bullet = /^(\s*)[-*+]\s+(\[[ xX]\]\s+)?/.exec(text);
  if (bullet) return `${bullet[1] ?? ''}- ${inline(text.slice(bullet[0].length))}`;
  const ordered = /^(\s*)(\d+)[.)]\s+/.exec(text);
  if (ordered) return `${ordered[1] ?? ''}${ordered[2] ?? ''}. ${inline(text.slice(ordered[0].length))}`;
  text = inline(text);
  return text;
}

/** Inline markup to plain words. */
function inline(text: string): string {
  return text
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<\/?[a-zA-Z][^>]*>/g, '')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1') // images: their alt text
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1') // links: their text
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1') // reference links
    .replace(/<(https?:\/\/[^>]+)>/g, '$1') // autolinks
    .replace(/(`+)([^`]+?)\1/g, '$2')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?!\w)/g, '$1$2')
    .replace(/(^|[^\w])_(?=\S)([^_]*?\S)_(?!\w)/g, '$1$2')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!|>])/g, '$1')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .trimEnd();
}
