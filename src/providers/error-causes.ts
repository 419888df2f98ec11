/** Reading errors that come from fetch and the provider SDKs, whose classes may live in another realm. */

/** Duck-typed: fetch's errors come from Node's realm, not jest's vm context, so `instanceof Error` can miss them. */
export function isErrorLike(value: unknown): value is { name: string; message: string; cause?: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}

/** The messages of an error's causes, e.g. ` (fetch failed: connect ECONNREFUSED 127.0.0.1:9)`: what actually went wrong. */
export function causes(cause: unknown): string {
  const messages: string[] = [];
  for (let next = cause; isErrorLike(next) && messages.length < 3; next = next.cause) messages.push(next.message);
  return messages.length ? ` (${messages.join(': ')})` : '';
}
