import type { DocumentType } from './detect';

/** What extraction produces: a document's title and its text cut into sections, in reading order. */

export interface ExtractedSection {
  /** The heading path the text sits under, outermost first, joined with " > " ("Refunds > Exceptions"). */
  section?: string;
  /** PDFs: the 1-based page number. */
  page?: number;
  /** Normalised text: paragraphs separated by one blank line, lines of lists and tables kept as lines. */
  text: string;
}

export interface ExtractedDocument {
  type: DocumentType;
  /** The document's own title (HTML <title>, PDF metadata, Markdown front matter or leading # heading). */
  title?: string;
  sections: ExtractedSection[];
  /** PDFs: how many pages the file has (pages without text included). */
  pageCount?: number;
}

export const SECTION_SEPARATOR = ' > ';

/** Collects text under a changing heading path, one section per run of text under the same headings. */
export class SectionBuilder {
  private readonly headings: string[] = [];
  private lines: string[] = [];
  readonly sections: ExtractedSection[] = [];

  /** Starts a new section under a heading of `level` (1 = outermost). */
  heading(level: number, text: string): void {
    this.flush();
    this.headings.length = Math.min(this.headings.length, Math.max(level - 1, 0));
    // Skipped levels (an h3 straight under an h1) leave no empty path elements.
    while (this.headings.length < level - 1) this.headings.push('');
    this.headings.push(text);
  }

  line(text: string): void {
    this.lines.push(text);
  }

  flush(): void {
    const text = this.lines
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    this.lines = [];
    if (text === '') return;
    const path = this.headings.filter((h) => h !== '').join(SECTION_SEPARATOR);
    this.sections.push(path ? { section: path, text } : { text });
  }
}
