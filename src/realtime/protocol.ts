/**
 * Twilio Media Streams wire format (bidirectional `<Connect><Stream>`): JSON text frames.
 * Parsing is strict about what the loop relies on and tolerant of fields it does not use.
 */

export interface StartMessage {
  event: 'start';
  streamSid: string;
  start: {
    accountSid: string;
    callSid: string;
    streamSid: string;
    customParameters: Record<string, string>;
    mediaFormat?: { encoding: string; sampleRate: number; channels: number };
  };
}
interface MediaMessage {
  event: 'media';
  streamSid: string;
  media: { payload: string; track?: string; chunk?: string; timestamp?: string };
}
interface MarkMessage {
  event: 'mark';
  streamSid: string;
  mark: { name: string };
}
interface DtmfMessage {
  event: 'dtmf';
  streamSid: string;
  dtmf: { digit: string; track?: string };
}
interface StopMessage {
  event: 'stop';
  streamSid: string;
}
interface ConnectedMessage {
  event: 'connected';
}

export type TwilioStreamMessage =
  ConnectedMessage | StartMessage | MediaMessage | MarkMessage | DtmfMessage | StopMessage;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The message, or a reason it is not one the loop can use. */
export function parseStreamMessage(raw: string): TwilioStreamMessage | { invalid: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { invalid: 'not JSON' };
  }
  if (!isRecord(value) || typeof value.event !== 'string') return { invalid: 'no event' };
  const streamSid = typeof value.streamSid === 'string' ? value.streamSid : '';
  switch (value.event) {
    case 'connected':
      return { event: 'connected' };
    case 'start': {
      const start = value.start;
      if (!isRecord(start) || typeof start.callSid !== 'string' || typeof start.accountSid !== 'string')
        return { invalid: 'start without callSid/accountSid' };
      const params: Record<string, string> = {};
      if (isRecord(start.customParameters))
        for (const [k, v] of Object.entries(start.customParameters)) if (typeof v === 'string') params[k] = v;
      const sid = typeof start.streamSid === 'string' ? start.streamSid : streamSid;
      const format = isRecord(start.mediaFormat)
        ? (start.mediaFormat as { encoding: string; sampleRate: number; channels: number })
        : undefined;
      return {
        event: 'start',
        streamSid: sid,
        start: {
          accountSid: start.accountSid,
          callSid: start.callSid,
          streamSid: sid,
          customParameters: params,
          ...(format ? { mediaFormat: format } : {}),
        },
      };
    }
    case 'media': {
      const media = value.media;
      if (!isRecord(media) || typeof media.payload !== 'string') return { invalid: 'media without payload' };
      return { event: 'media', streamSid, media: { payload: media.payload } };
    }
    case 'mark': {
      const mark = value.mark;
      if (!isRecord(mark) || typeof mark.name !== 'string') return { invalid: 'mark without name' };
      return { event: 'mark', streamSid, mark: { name: mark.name } };
    }
    case 'dtmf': {
      const dtmf = value.dtmf;
      if (!isRecord(dtmf) || typeof dtmf.digit !== 'string') return { invalid: 'dtmf without digit' };
      return { event: 'dtmf', streamSid, dtmf: { digit: dtmf.digit } };
    }
    case 'stop':
      return { event: 'stop', streamSid };
    default:
      return { invalid: `unknown event ${value.event}` };
  }
}

export function mediaFrame(streamSid: string, audio: Buffer): string {
  return JSON.stringify({ event: 'media', streamSid, media: { payload: audio.toString('base64') } });
}

export function markFrame(streamSid: string, name: string): string {
  return JSON.stringify({ event: 'mark', streamSid, mark: { name } });
}

export function clearFrame(streamSid: string): string {
  return JSON.stringify({ event: 'clear', streamSid });
}
