import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { frames, silence, speech } from '../../devstack/emulators/audio';
import { PlaybackBuffer } from '../../devstack/emulators/media-streams/playback';

/**
 * What the console's browser-call page does, at protocol level: it speaks Twilio's Media Streams JSON
 * to the gateway's socket, sends a 20 ms mu-law frame every 20 ms (silence unless told to talk), plays
 * the agent's audio at the line rate and echoes each mark once the audio before it has played (or on
 * `clear`, which drops what had not played).
 */
export class BrowserCallPage {
  /** Agent audio bytes received, media frames received, clears received, marks received. */
  mediaBytes = 0;
  mediaFrames = 0;
  clears = 0;
  marks = 0;
  closed: { code: number; reason: string } | undefined;
  private readonly playback: PlaybackBuffer;
  private talking: Buffer[] = [];
  private readonly ticker: NodeJS.Timeout;

  private constructor(private readonly ws: WebSocket) {
    this.playback = new PlaybackBuffer((name) => this.send({ event: 'mark', mark: { name } }));
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as {
        event: string;
        media?: { payload: string };
        mark?: { name: string };
      };
      const now = performance.now();
      if (message.event === 'media' && message.media) {
        const audio = Buffer.from(message.media.payload, 'base64');
        this.mediaBytes += audio.length;
        this.mediaFrames++;
        this.playback.enqueueAudio(audio, now);
      } else if (message.event === 'mark' && message.mark) {
        this.marks++;
        this.playback.enqueueMark(message.mark.name, now);
      } else if (message.event === 'clear') {
        this.clears++;
        this.playback.clear(now);
      }
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    this.ticker = setInterval(() => {
      this.playback.advance(performance.now());
      const frame = this.talking.shift() ?? silence(20);
      this.send({ event: 'media', media: { payload: frame.toString('base64') } });
    }, 20);
  }

  /** Opens the page's socket; rejects with the HTTP status when the gateway refuses the upgrade. */
  static open(url: string): Promise<BrowserCallPage> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(new BrowserCallPage(ws)));
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        reject(new Error(`refused: HTTP ${res.statusCode}`));
      });
      ws.once('error', reject);
    });
  }

  /** The agent's audio still queued to play (it is speaking to us). */
  get buffered(): number {
    return this.playback.bufferedBytes;
  }

  /** Speech-like voiced audio from the microphone for `durationMs` (a barge-in). */
  talk(durationMs: number, seed = 1): void {
    this.talking.push(...frames(speech(durationMs, seed)));
  }

  /** Hang up as the page does: `stop`, then the socket closes. */
  async hangUp(): Promise<void> {
    clearInterval(this.ticker);
    this.send({ event: 'stop' });
    await new Promise<void>((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close(1000);
    });
  }

  private send(message: object): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }
}
