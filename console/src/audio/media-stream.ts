/**
 * Twilio Media Streams messages as the browser call speaks them (the page plays Twilio's part), and
 * the playout clock that tells when a `mark` is due: Twilio echoes a mark once the audio sent before
 * it has played, and echoes every pending mark at once on `clear`. Pure: no DOM, no sockets.
 */

export type InboundMessage =
  | { event: 'media'; streamSid?: string; media: { payload: string } }
  | { event: 'mark'; streamSid?: string; mark: { name: string } }
  | { event: 'clear'; streamSid?: string }
  | { event: 'start'; streamSid?: string; start?: { streamSid?: string; callSid?: string } }
  | { event: 'stop'; streamSid?: string }
  | { event: 'connected' };

/** What the agent side sent, or undefined for anything unreadable (ignored, not fatal). */
export function parseMessage(data: unknown): InboundMessage | undefined {
  if (typeof data !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown> & { event?: unknown };
  switch (m.event) {
    case 'media':
      return typeof (m.media as { payload?: unknown } | undefined)?.payload === 'string'
        ? (m as InboundMessage)
        : undefined;
    case 'mark':
      return typeof (m.mark as { name?: unknown } | undefined)?.name === 'string' ? (m as InboundMessage) : undefined;
    case 'clear':
    case 'start':
    case 'stop':
    case 'connected':
      return m as InboundMessage;
    default:
      return undefined;
  }
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] ?? 0);
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Builds the caller's side of the stream: numbered 20 ms `media` frames, marks echoed back. */
export class OutboundStream {
  private sequence = 0;
  private chunk = 0;
  private startedAt: number | undefined;
  streamSid: string | undefined;

  constructor(private readonly now: () => number = () => Date.now()) {}

  private base(): { streamSid?: string; sequenceNumber: string } {
    this.sequence += 1;
    return { ...(this.streamSid ? { streamSid: this.streamSid } : {}), sequenceNumber: String(this.sequence) };
  }

  media(frame: Uint8Array): string {
    this.startedAt ??= this.now();
    this.chunk += 1;
    return JSON.stringify({
      event: 'media',
      ...this.base(),
      media: {
        track: 'inbound',
        chunk: String(this.chunk),
        timestamp: String(this.now() - this.startedAt),
        payload: bytesToBase64(frame),
      },
    });
  }

  mark(name: string): string {
    return JSON.stringify({ event: 'mark', ...this.base(), mark: { name } });
  }

  stop(): string {
    return JSON.stringify({ event: 'stop', ...this.base() });
  }
}

/**
 * When each received mark is due, on the audio clock (seconds). Audio is queued back to back from
 * `now` or the end of what is queued; a mark is due when everything queued before it has played.
 */
export class PlayoutClock {
  private end = 0;
  private marks: Array<{ name: string; at: number }> = [];

  /** Queues `seconds` of audio; returns when it starts playing. */
  enqueueAudio(seconds: number, now: number): number {
    const start = Math.max(now, this.end);
    this.end = start + seconds;
    return start;
  }

  enqueueMark(name: string, now: number): void {
    this.marks.push({ name, at: Math.max(now, this.end) });
  }

  /** The marks whose audio has played by `now`, in order (removed from the queue). */
  due(now: number): string[] {
    const due = this.marks.filter((m) => m.at <= now).map((m) => m.name);
    this.marks = this.marks.filter((m) => m.at > now);
    return due;
  }

  /** `clear`: playback stops now; every pending mark is echoed at once (as Twilio does). */
  clear(now: number): string[] {
    this.end = now;
    const all = this.marks.map((m) => m.name);
    this.marks = [];
    return all;
  }

  /** Whether audio is still queued to play after `now`. */
  playing(now: number): boolean {
    return this.end > now;
  }
}
