import { withConnectionOverrides } from '../telephony/twilio/connection-overrides';
import type { Config } from '../config/schema';
import { streamToken, type StreamClaims } from './stream-token';
import { connectStreamTwiml } from './twiml';

/** A stream token outlives any reasonable gap between the TwiML answer and Twilio's WebSocket connect. */
const STREAM_TOKEN_TTL_SECONDS = 300;

/** The route Twilio asks (the `<Connect>` action) when a call's stream ends without a hang-up. */
const STREAM_ENDED_PATH = '/twilio/voice/stream-ended';

/** Who is on a call, as the gateway vouches for it in the stream token (a new token always names its agent). */
export type StreamIdentity = Omit<StreamClaims, 'seq' | 'expiresAt' | 'agentId' | 'agentVersion'> & {
  agentId: string;
  agentVersion: number;
};

/**
 * `<Connect action=…><Stream>` with a fresh single-use token: stream `seq` 0 answers the call, a
 * higher one takes over after stream `seq - 1` was lost. The action URL names the stream, so the
 * gateway knows which one ended (Twilio signs the URL, query included).
 */
export function streamAnswerTwiml(config: Config, authToken: string, identity: StreamIdentity, seq = 0): string {
  const { customerId, from, to, direction } = identity;
  const token = streamToken(authToken, {
    ...identity,
    ...(seq > 0 ? { seq } : {}),
    expiresAt: Math.floor(Date.now() / 1000) + STREAM_TOKEN_TTL_SECONDS,
  });
  return connectStreamTwiml({
    publicUrl: config.publicUrl,
    ...(config.voice.mediaStreamUrl ? { streamUrl: config.voice.mediaStreamUrl } : {}),
    // Who is calling travels signed inside the token; the plain parameters only repeat it (the
    // realtime worker refuses a stream whose parameters disagree with its token).
    parameters: { customerId, from, to, direction, token },
    // Twilio retries this request on a timeout or a 5xx, as every URL we give it (a lost reconnect drops the call).
    action: withConnectionOverrides(`${config.publicUrl.replace(/\/+$/, '')}${STREAM_ENDED_PATH}?seq=${seq}`),
  });
}
