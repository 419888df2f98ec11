import { compress, decompress } from '@mongodb-js/zstd';
import { Binary } from 'mongodb';

/** Bodies above this many bytes are stored zstd-compressed; small ones stay readable in the DB. */
const COMPRESS_THRESHOLD_BYTES = 1024;

export type StoredText = { text: string } | { zstd: Binary };

export async function packText(text: string): Promise<StoredText> {
  const raw = Buffer.from(text, 'utf8');
  if (raw.length <= COMPRESS_THRESHOLD_BYTES) return { text };
  return { zstd: new Binary(await compress(raw, 3)) };
}

export async function unpackText(stored: StoredText): Promise<string> {
  if ('text' in stored) return stored.text;
  return (await decompress(Buffer.from(stored.zstd.buffer))).toString('utf8');
}
