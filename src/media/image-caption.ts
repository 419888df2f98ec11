/**
 * An inbound image described in words by the model, so search can find it ("the photo of the broken
 * hinge"). Asked once per image: the caption is stored with the image's digest (media-store.ts).
 */
import { userMessage } from '../agent/chat-items';
import type { ChatModel } from '../agent/chat-model';
import type { ImageMediaType } from './media-types';

const CAPTION_PROMPT =
  'You describe images a customer sent to a support line, for a search index. In one to three plain ' +
  'sentences, say what the image shows and copy any text, numbers, product names or codes visible in it. ' +
  'No preamble, no speculation about the customer.';

/** Captions are search text, not essays: a longer answer is cut. */
const MAX_CAPTION_CHARS = 600;

class EmptyCaptionError extends Error {
  constructor() {
    super('The model returned an empty image description');
    this.name = 'EmptyCaptionError';
  }
}

export async function captionImage(
  model: ChatModel,
  image: { mediaType: ImageMediaType; base64: string },
): Promise<string> {
  const reply = await model.complete({
    system: CAPTION_PROMPT,
    items: [
      userMessage([
        { type: 'image', mediaType: image.mediaType, data: image.base64 },
        { type: 'text', text: 'Describe this image.' },
      ]),
    ],
    maxTokens: 200,
  });
  const caption = reply.text.replace(/\s+/g, ' ').trim();
  if (!caption) throw new EmptyCaptionError();
  return caption.length > MAX_CAPTION_CHARS ? `${caption.slice(0, MAX_CAPTION_CHARS)}…` : caption;
}
