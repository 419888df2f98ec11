import type { Config } from '../config/schema';

/** A worker that does not answer its readiness probe within this long counts as unavailable. */
const PROBE_TIMEOUT_MS = 1_000;

/** The realtime workers' internal addresses: REALTIME_INTERNAL_URLS, else REALTIME_INTERNAL_URL, else this host's REALTIME_PORT. */
export function realtimeWorkerUrls(config: Config): URL[] {
  const listed = config.realtimeInternalUrls?.length
    ? config.realtimeInternalUrls
    : [config.realtimeInternalUrl ?? `http://127.0.0.1:${config.realtimePort}`];
  return listed.map((u) => new URL(u));
}

/**
 * The gateway's view of the realtime workers: the order to offer a new stream to them (rotating,
 * so calls spread), and whether any of them takes calls now (`/ready`: not draining, not full).
 */
export class RealtimeWorkers {
  private next = 0;

  constructor(private readonly config: () => Config) {}

  /** Every worker once, starting one further along each time. */
  order(): URL[] {
    const urls = realtimeWorkerUrls(this.config());
    const start = this.next++ % urls.length;
    return [...urls.slice(start), ...urls.slice(0, start)];
  }

  /**
   * Whether a new stream would find a worker (each probed in parallel, bounded): `accepting` when
   * one says it takes calls, `refusing` when every one answers that it is full or draining, else
   * `unknown` (some did not answer: the media streams may reach them another way).
   */
  async availability(): Promise<'accepting' | 'refusing' | 'unknown'> {
    const answers = await Promise.all(
      realtimeWorkerUrls(this.config()).map(async (url) => {
        try {
          const response = await fetch(new URL('/ready', url), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
          await response.body?.cancel();
          return response.ok ? 'accepting' : response.status === 503 ? 'refusing' : 'unknown';
        } catch {
          return 'unknown';
        }
      }),
    );
    if (answers.includes('accepting')) return 'accepting';
    return answers.every((a) => a === 'refusing') ? 'refusing' : 'unknown';
  }
}
