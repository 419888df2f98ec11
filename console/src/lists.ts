/** List answers are `{ <key>: T[], nextCursor? }`; a bare array is read too (routes built in parallel may differ). */
export function itemsOf<T>(data: unknown, key: string): T[] {
  if (Array.isArray(data)) return data as T[];
  if (typeof data === 'object' && data !== null) {
    const items = (data as Record<string, unknown>)[key];
    if (Array.isArray(items)) return items as T[];
  }
  return [];
}

export function nextCursorOf(data: unknown): string | undefined {
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const cursor = (data as { nextCursor?: unknown }).nextCursor;
    if (typeof cursor === 'string') return cursor;
  }
  return undefined;
}
