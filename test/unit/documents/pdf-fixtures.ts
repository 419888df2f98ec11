import { PDFDocument, PDFHexString, StandardFonts, rgb } from 'pdf-lib';

/** PDFs built in the test, so every fixture's content is visible where it is asserted. */

/** One page per entry, each line drawn as its own text line from the top of the page. */
export async function pdfWithPages(pages: string[][], title?: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  if (title) doc.setTitle(title);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([612, 792]);
    lines.forEach((line, i) => page.drawText(line, { x: 50, y: 740 - i * 16, size: 11, font }));
  }
  return doc.save();
}

/** A page with a drawn rectangle and no text at all: what a scan without OCR looks like to a reader. */
export async function pdfWithoutText(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, 792]);
  page.drawRectangle({ x: 50, y: 50, width: 300, height: 200, color: rgb(0.2, 0.4, 0.8) });
  return doc.save();
}

/**
 * A PDF that declares standard-security encryption with a user password: the /U entry matches no
 * password, so a reader must ask for one.
 */
export async function passwordProtectedPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage().drawText('Secret refund policy', { x: 50, y: 700, font, size: 12 });
  const { context } = doc;
  const filler = 'ab'.repeat(32);
  const encrypt = context.obj({
    Filter: 'Standard',
    V: 1,
    R: 2,
    Length: 40,
    P: -44,
    O: PDFHexString.of(filler),
    U: PDFHexString.of('cd'.repeat(32)),
  });
  context.trailerInfo.Encrypt = context.register(encrypt);
  context.trailerInfo.ID = context.obj([
    PDFHexString.of('0123456789abcdef0123456789abcdef'),
    PDFHexString.of('0123456789abcdef0123456789abcdef'),
  ]);
  return doc.save({ useObjectStreams: false });
}
