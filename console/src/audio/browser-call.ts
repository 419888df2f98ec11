/**
 * A call to an agent from the page: the page plays Twilio's part of a Media Stream over a same-origin
 * WebSocket. Microphone → 8 kHz mu-law → 20 ms `media` frames; the agent's `media` → decoded and
 * played at 8 kHz; each `mark` echoed once the audio before it has played; `clear` (barge-in) stops
 * playback at once. In the sandbox the microphone is optional: silence frames keep the stream going
 * and the lines typed in "Say" are spoken by the simulated caller.
 */
import type { BrowserCallStart } from '../../../src/gateway/api-types';
import { decodeMuLaw, encodeMuLaw, MULAW_SILENCE } from './mulaw';
import { base64ToBytes, OutboundStream, parseMessage, PlayoutClock } from './media-stream';
import { Downsampler, Framer } from './resample';

export type CallState = 'connecting' | 'in-call' | 'ended';

export interface BrowserCallEvents {
  onState: (state: CallState, detail?: string) => void;
  /** The agent is speaking (audio queued) or not. */
  onSpeaking?: (speaking: boolean) => void;
}

const FRAME_MS = 20;
const RATE = 8000;

function socketUrl(path: string): string {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export class BrowserCall {
  private readonly stream = new OutboundStream();
  private readonly clock = new PlayoutClock();
  private readonly framer = new Framer(RATE * (FRAME_MS / 1000));
  private context: AudioContext | undefined;
  private socket: WebSocket | undefined;
  private mic: MediaStream | undefined;
  private micNode: AudioNode | undefined;
  private sources = new Set<AudioBufferSourceNode>();
  private timers: number[] = [];
  private speaking = false;
  private ended = false;

  constructor(
    private readonly start: BrowserCallStart,
    private readonly events: BrowserCallEvents,
  ) {}

  /** Opens audio and the socket. `useMicrophone: false` sends silence (sandbox: the "Say" box speaks). */
  async connect(useMicrophone: boolean): Promise<void> {
    this.events.onState('connecting');
    // Created in the click's task so autoplay rules let it play.
    const context = new AudioContext();
    this.context = context;
    if (useMicrophone) await this.openMicrophone(context);

    const socket = new WebSocket(socketUrl(this.start.socketPath));
    this.socket = socket;
    socket.onopen = () => {
      this.events.onState('in-call');
      if (!this.micNode) this.timers.push(window.setInterval(() => this.sendSilence(), FRAME_MS));
    };
    socket.onmessage = (event: MessageEvent) => this.receive(event.data);
    socket.onclose = (event: CloseEvent) =>
      this.finish(event.code === 1000 || event.code === 1005 ? undefined : `connection closed (${event.code})`);
    socket.onerror = () => this.finish('the call connection failed');
    // Marks are checked often: a late echo would make the agent think the caller heard less than they did.
    this.timers.push(window.setInterval(() => this.flushMarks(), 10));
  }

  private async openMicrophone(context: AudioContext): Promise<void> {
    const mic = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    this.mic = mic;
    const input = context.createMediaStreamSource(mic);
    const down = new Downsampler(context.sampleRate, RATE);
    const onSamples = (samples: Float32Array) => {
      const frames = this.framer.push(encodeMuLaw(down.push(samples)));
      // Before the socket opens frames are dropped (not numbered): the stream starts with chunk 1.
      if (this.isOpen()) for (const frame of frames) this.send(this.stream.media(frame));
    };
    if (context.audioWorklet) {
      await context.audioWorklet.addModule(`${import.meta.env.BASE_URL}mic-worklet.js`);
      const node = new AudioWorkletNode(context, 'mic-tap', { numberOfInputs: 1, numberOfOutputs: 0 });
      node.port.onmessage = (event: MessageEvent<Float32Array>) => onSamples(event.data);
      input.connect(node);
      this.micNode = node;
    } else {
      // Older browsers: the deprecated ScriptProcessor does the same on the main thread.
      const node = context.createScriptProcessor(1024, 1, 1);
      node.onaudioprocess = (event) => onSamples(event.inputBuffer.getChannelData(0).slice());
      input.connect(node);
      node.connect(context.destination);
      this.micNode = node;
    }
  }

  private isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  private sendSilence(): void {
    if (this.isOpen()) this.send(this.stream.media(new Uint8Array(RATE * (FRAME_MS / 1000)).fill(MULAW_SILENCE)));
  }

  private send(message: string): void {
    if (this.isOpen()) this.socket?.send(message);
  }

  private receive(data: unknown): void {
    const message = parseMessage(data);
    const context = this.context;
    if (!message || !context) return;
    if ('streamSid' in message && message.streamSid) this.stream.streamSid ??= message.streamSid;
    switch (message.event) {
      case 'start':
        if (message.start?.streamSid) this.stream.streamSid = message.start.streamSid;
        break;
      case 'media':
        this.play(decodeMuLaw(base64ToBytes(message.media.payload)), context);
        break;
      case 'mark':
        this.clock.enqueueMark(message.mark.name, context.currentTime);
        this.flushMarks();
        break;
      case 'clear':
        for (const source of this.sources) source.stop();
        this.sources.clear();
        for (const name of this.clock.clear(context.currentTime)) this.send(this.stream.mark(name));
        this.setSpeaking(false);
        break;
      case 'stop':
        this.finish();
        break;
      default:
        break;
    }
  }

  private play(samples: Float32Array, context: AudioContext): void {
    if (samples.length === 0) return;
    const buffer = context.createBuffer(1, samples.length, RATE);
    buffer.getChannelData(0).set(samples);
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    source.start(this.clock.enqueueAudio(buffer.duration, context.currentTime));
    this.sources.add(source);
    source.onended = () => this.sources.delete(source);
    this.setSpeaking(true);
  }

  private flushMarks(): void {
    const context = this.context;
    if (!context) return;
    for (const name of this.clock.due(context.currentTime)) this.send(this.stream.mark(name));
    if (!this.clock.playing(context.currentTime)) this.setSpeaking(false);
  }

  private setSpeaking(speaking: boolean): void {
    if (speaking === this.speaking) return;
    this.speaking = speaking;
    this.events.onSpeaking?.(speaking);
  }

  /** The page hangs up: Twilio's `stop`, then the socket closes (the call ends as completed). */
  hangUp(): void {
    this.send(this.stream.stop());
    this.socket?.close(1000, 'hang up');
    this.finish();
  }

  private finish(problem?: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const timer of this.timers) window.clearInterval(timer);
    for (const source of this.sources) source.stop();
    this.sources.clear();
    this.micNode?.disconnect();
    for (const track of this.mic?.getTracks() ?? []) track.stop();
    if (this.socket && this.socket.readyState < WebSocket.CLOSING) this.socket.close(1000);
    void this.context?.close();
    this.setSpeaking(false);
    this.events.onState('ended', problem);
  }
}
