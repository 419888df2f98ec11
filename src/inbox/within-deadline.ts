import type { Connection } from '@temporalio/client';

/** The operation did not finish within its deadline (it may still finish: everything it does is idempotent). */
export class DeadlineExceeded extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * Runs `fn` with every Temporal call in it bounded by the deadline (the client otherwise retries an
 * unreachable server for ~20 s), and gives up on the whole of it at the deadline either way (a
 * MongoDB call can hang too). Giving up does not undo what already reached a store.
 */
export async function withinDeadline<T>(
  connection: Pick<Connection, 'withDeadline'>,
  ms: number,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms);
  });
  const work = connection.withDeadline(Date.now() + ms, fn);
  // The abandoned attempt's own failure is expected; it must not surface as an unhandled rejection.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** gRPC status codes meaning the server was not reached in time (UNAVAILABLE, DEADLINE_EXCEEDED). */
const UNREACHABLE_CODES = new Set([14, 4]);

/** Whether a failure says "Temporal is not there" rather than "this request is wrong". */
export function isTemporalUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DeadlineExceeded) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && UNREACHABLE_CODES.has(code)) return true;
  }
  return false;
}
