/**
 * Twilio → app message text, built with templates on the hot path (one media message per caller
 * every 20 ms), and validation of what the app sends back.
 */
import { MULAW_FRAME_BYTES, MULAW_SILENCE } from '../../../src/audio/mulaw';
import type {
  AppToTwilioMessage,
  ConnectedMessage,
  DtmfMessage,
  MarkEchoMessage,
  StartMessage,
  StopMessage,
} from './types';

/** Every silent frame has the same payload: encode it once. */
export const SILENCE_FRAME_PAYLOAD = Buffer.alloc(MULAW_FRAME_BYTES, MULAW_SILENCE).toString('base64');

export function connectedMessage(): ConnectedMessage {
  return { event: 'connected', protocol: 'Call', version: '1.0.0' };
}

export function startMessage(
  sequenceNumber: number,
  ids: { accountSid: string; callSid: string; streamSid: string },
  customParameters: Record<string, string>,
): StartMessage {
  return {
    event: 'start',
    sequenceNumber: String(sequenceNumber),
    start: {
      accountSid: ids.accountSid,
      streamSid: ids.streamSid,
      callSid: ids.callSid,
      tracks: ['inbound'],
      customParameters,
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    },
    streamSid: ids.streamSid,
  };
}

/**
 * A media message as text. `quotedStreamSid` is JSON.stringify(streamSid), computed once per call;
 * the payload is base64, which needs no escaping.
 */
export function mediaMessageText(
  sequenceNumber: number,
  quotedStreamSid: string,
  chunk: number,
  timestampMs: number,
  payload: string,
): string {
  return `{"event":"media","sequenceNumber":"${sequenceNumber}","media":{"track":"inbound","chunk":"${chunk}","timestamp":"${timestampMs}","payload":"${payload}"},"streamSid":${quotedStreamSid}}`;
}

export function dtmfMessage(sequenceNumber: number, streamSid: string, digit: string): DtmfMessage {
  return { event: 'dtmf', streamSid, sequenceNumber: String(sequenceNumber), dtmf: { track: 'inbound_track', digit } };
}

export function markEchoMessage(sequenceNumber: number, streamSid: string, name: string): MarkEchoMessage {
  return { event: 'mark', streamSid, sequenceNumber: String(sequenceNumber), mark: { name } };
}

export function stopMessage(
  sequenceNumber: number,
  streamSid: string,
  ids: { accountSid: string; callSid: string },
): StopMessage {
  return {
    event: 'stop',
    sequenceNumber: String(sequenceNumber),
    streamSid,
    stop: { accountSid: ids.accountSid, callSid: ids.callSid },
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export type ParsedAppMessage =
  { ok: true; message: AppToTwilioMessage } | { ok: false; event: string | undefined; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one text frame from the app and checks it against what Twilio accepts on this stream. */
export function parseAppMessage(text: string, streamSid: string): ParsedAppMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, event: undefined, reason: 'not JSON' };
  }
  if (!isRecord(parsed)) return { ok: false, event: undefined, reason: 'not a JSON object' };
  const event = typeof parsed.event === 'string' ? parsed.event : undefined;
  if (event === undefined) return { ok: false, event, reason: 'missing event' };
  if (event !== 'media' && event !== 'mark' && event !== 'clear')
    return { ok: false, event, reason: `unknown event "${event}"` };
  if (parsed.streamSid !== streamSid)
    return { ok: false, event, reason: `streamSid ${JSON.stringify(parsed.streamSid)} does not match ${streamSid}` };
  if (event === 'clear') return { ok: true, message: { event, streamSid } };
  if (event === 'mark') {
    const mark = parsed.mark;
    if (!isRecord(mark) || typeof mark.name !== 'string') return { ok: false, event, reason: 'mark.name missing' };
    return { ok: true, message: { event, streamSid, mark: { name: mark.name } } };
  }
  const media = parsed.media;
  if (!isRecord(media) || typeof media.payload !== 'string')
    return { ok: false, event, reason: 'media.payload missing' };
  if (!BASE64.test(media.payload)) return { ok: false, event, reason: 'media.payload is not valid base64' };
  return { ok: true, message: { event, streamSid, media: { payload: media.payload } } };
}
