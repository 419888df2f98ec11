/**
 * The console's one way to the operator API: same-origin cookies, JSON, the session's CSRF token on
 * every unsafe method, and errors as {@link ApiError} (with the field errors of a 400). A 401 sends
 * the operator to sign in (the session expired or was revoked).
 */

/** A field the API refused, as `handle` and the agent routes answer it (`path` like `model.name`). */
export interface FieldIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: FieldIssue[] = [],
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The messages of the issues about one field (and its sub-fields). */
  issuesOf(path: string): string[] {
    return this.issues.filter((i) => i.path === path || i.path.startsWith(`${path}.`)).map((i) => i.message);
  }
}

let csrfToken: string | undefined;
let onUnauthorized: (() => void) | undefined;

/** The session's CSRF token (set on sign-in and whenever the session is read; cleared on sign-out). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** What to do when the API answers 401 (the app sends the operator to the sign-in page). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Query = Record<string, string | number | undefined | null>;

/** `path?query` without the empty parameters. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const b = (typeof body === 'object' && body !== null ? body : {}) as {
    error?: unknown;
    issues?: unknown;
    code?: unknown;
  };
  const issues = Array.isArray(b.issues)
    ? b.issues.filter(
        (i): i is FieldIssue => typeof i === 'object' && i !== null && typeof (i as FieldIssue).message === 'string',
      )
    : [];
  const message =
    typeof b.error === 'string' ? b.error : `${response.status} ${response.statusText || 'request failed'}`;
  return new ApiError(response.status, message, issues, typeof b.code === 'string' ? b.code : undefined);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON, or as is when FormData (multipart: the browser sets the boundary). */
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** Sign-in answers 401 for wrong credentials: that is an error to show, not a reason to redirect. */
  noRedirectOn401?: boolean;
}

/** Calls the API; resolves with the parsed JSON (undefined for 204), rejects with ApiError. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) body = options.body;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (UNSAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      body: body ?? null,
      credentials: 'same-origin',
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'the gateway cannot be reached (network error)');
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && !options.noRedirectOn401) onUnauthorized?.();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A short message for any error the UI shows. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
