import twilio from 'twilio';

/** `wss://<public host>/twilio/media-stream`: one public URL reaches both the webhooks and the stream. */
export function mediaStreamUrl(publicUrl: string): string {
  const url = new URL('/twilio/media-stream', publicUrl);
  url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
  return url.toString();
}

/**
 * Two-way audio: `<Connect><Stream>` (`<Start><Stream>` would be listen-only). Twilio forbids a
 * query string on the stream URL, so everything the loop needs travels as `<Parameter>`s.
 */
export function connectStreamTwiml(options: {
  publicUrl: string;
  streamUrl?: string;
  parameters: Record<string, string>;
  /**
   * Where Twilio asks what next when the stream ends without a hang-up (its worker died, drained
   * or the pass-through broke): the gateway answers with a stream to another worker.
   */
  action?: string;
}): string {
  const response = new twilio.twiml.VoiceResponse();
  const connect = response.connect(options.action ? { action: options.action, method: 'POST' } : {});
  const stream = connect.stream({ url: options.streamUrl ?? mediaStreamUrl(options.publicUrl) });
  for (const [name, value] of Object.entries(options.parameters)) stream.parameter({ name, value });
  return response.toString();
}

/** Hands the caller to a person: the live call's TwiML is replaced by a `<Dial>`. */
export function transferTwiml(to: string, options: { callerId?: string; announce?: string } = {}): string {
  const response = new twilio.twiml.VoiceResponse();
  if (options.announce) response.say(options.announce);
  response.dial(options.callerId ? { callerId: options.callerId } : {}, to);
  return response.toString();
}

/** A call the line does not take: a short message, then the hang-up (no stream is started). */
export function refuseCallTwiml(message: string): string {
  const response = new twilio.twiml.VoiceResponse();
  if (message) response.say(message);
  response.hangup();
  return response.toString();
}
