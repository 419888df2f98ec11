import type { ServerResponse } from 'node:http';

/** An event on its way to server-sent-event streams: serialized once, however many streams it goes to. */
export class StreamEvent {
  private text?: string;

  constructor(readonly event: { type: string }) {}

  /** `event: <type>` + `data: <json>` (JSON has no raw newlines, so one data line). */
  get frame(): string {
    this.text ??= `event: ${this.event.type}\ndata: ${JSON.stringify(this.event)}\n\n`;
    return this.text;
  }
}

export interface EventStreamOptions {
  /** Events queued and not yet taken by the socket; one more and the stream is closed (the reader reconnects). */
  maxQueued: number;
  /** The stream closed, by either side or for being too slow. */
  closed?: (why: 'slow' | 'gone' | 'ended') => void;
}

/**
 * One server-sent-event stream with a bounded queue: `send` only queues (O(1), no I/O, no JSON);
 * the queue is written out once per turn of the event loop, and only while the socket takes it
 * (backpressure). A reader that cannot keep up is disconnected rather than buffered without
 * bound: it reconnects and starts again from a fresh snapshot.
 */
export class EventStream {
  private queue: Array<StreamEvent | string> = [];
  private scheduled = false;
  private blocked = false;
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly options: EventStreamOptions,
  ) {
    res.on('close', () => this.finish('gone'));
    res.on('drain', () => {
      this.blocked = false;
      this.schedule();
    });
  }

  /** Sets the SSE headers; call before anything is sent. */
  static open(res: ServerResponse, options: EventStreamOptions): EventStream {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Proxies (nginx) must pass each event on at once.
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    return new EventStream(res, options);
  }

  get open(): boolean {
    return !this.done;
  }

  send(event: StreamEvent): void {
    this.enqueue(event);
  }

  /** A comment line (heartbeat): keeps proxies and the reader's idle timeout from closing a quiet stream. */
  comment(text: string): void {
    this.enqueue(`: ${text}\n\n`);
  }

  close(): void {
    if (this.done) return;
    this.flush();
    this.finish('ended');
    this.res.end();
  }

  private enqueue(item: StreamEvent | string): void {
    if (this.done) return;
    if (this.queue.length >= this.options.maxQueued) {
      this.finish('slow');
      this.res.destroy();
      return;
    }
    this.queue.push(item);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.blocked || this.done) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.done || this.blocked || this.queue.length === 0) return;
    const items = this.queue;
    this.queue = [];
    let text = '';
    for (const item of items) text += typeof item === 'string' ? item : item.frame;
    if (!this.res.write(text)) this.blocked = true;
  }

  private finish(why: 'slow' | 'gone' | 'ended'): void {
    if (this.done) return;
    this.done = true;
    this.queue = [];
    this.options.closed?.(why);
  }
}
