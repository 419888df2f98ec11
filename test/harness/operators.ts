import { OperatorStore, type OperatorRole } from '../../src/operators/operator-store';
import { TEST_ACCOUNT_SID, type TestSystem } from './system';

export interface TestOperator {
  operatorId: string;
  email: string;
  password: string;
}

let counter = 0;

/**
 * An operator created through the API with the root key (an admin of `TEST_ACCOUNT_SID` unless
 * told otherwise), with a password; the email is unique per call.
 */
export async function createOperator(
  system: TestSystem,
  options: { email?: string; name?: string; role?: OperatorRole; accounts?: 'all' | string[]; password?: string } = {},
): Promise<TestOperator> {
  counter += 1;
  const email = options.email ?? `operator-${Date.now().toString(36)}-${counter}@example.test`;
  const password = options.password ?? `pw-${Math.random().toString(36).slice(2)}-${counter}-long`;
  const created = await system.api('POST', '/operators', {
    email,
    name: options.name ?? `Operator ${counter}`,
    role: options.role ?? 'admin',
    accounts: options.accounts ?? [TEST_ACCOUNT_SID],
    password,
  });
  if (created.status !== 201)
    throw new Error(`operator not created: ${created.status} ${JSON.stringify(created.json)}`);
  return { operatorId: String(created.json.operatorId), email, password };
}

/** Mints an API key for the operator through the API (root key). */
export async function createApiKey(system: TestSystem, operatorId: string): Promise<{ keyId: string; apiKey: string }> {
  const created = await system.api('POST', `/operators/${operatorId}/api-keys`, { name: 'test key' });
  if (created.status !== 201) throw new Error(`key not created: ${created.status} ${JSON.stringify(created.json)}`);
  return { keyId: String(created.json.keyId), apiKey: String(created.json.apiKey) };
}

/** The operator store of the system's database (for tests that look at what is stored). */
export function operatorStore(system: TestSystem): OperatorStore {
  return new OperatorStore(system.db);
}

export interface SignedIn {
  /** `beluga_session=<token>`, for a Cookie header. */
  cookie: string;
  csrfToken: string;
  session: Record<string, unknown>;
}

/** Signs in as the console does (`POST /api/session`); throws unless it succeeds. */
export async function signIn(system: TestSystem, email: string, password: string): Promise<SignedIn> {
  const response = await fetch(`${system.gatewayUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const session = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${JSON.stringify(session)}`);
  const cookie = /beluga_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
  if (!cookie) throw new Error('sign-in set no beluga_session cookie');
  return { cookie, csrfToken: String(session.csrfToken), session };
}

/**
 * Calls the operator API as a signed-in console would: the session cookie, and the CSRF token on
 * unsafe methods (unless `csrf` says otherwise: `false` for none, a string for that value).
 */
export async function sessionApi(
  system: TestSystem,
  signedIn: Pick<SignedIn, 'cookie' | 'csrfToken'>,
  method: string,
  path: string,
  body?: unknown,
  options: { csrf?: string | false } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const csrf = options.csrf === undefined ? signedIn.csrfToken : options.csrf;
  const response = await fetch(`${system.gatewayUrl}/api${path}`, {
    method,
    headers: {
      cookie: signedIn.cookie,
      ...(method !== 'GET' && csrf !== false ? { 'x-csrf-token': csrf } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Calls the operator API with an operator's API key. */
export async function keyApi(
  system: TestSystem,
  apiKey: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${system.gatewayUrl}/api${path}`, {
    method,
    headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
