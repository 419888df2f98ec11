import type { IncomingHttpHeaders } from 'node:http';
import type { FormParams } from './form-params';
import type { CallModification, EmulatedCall, EmulatedMessage, EmulatedRecording, EmulatorStore } from './store';

/** Things that happened, dispatched to the emulator's hooks after the response is written. */
export type EmulatorEvent =
  | { type: 'message-created'; message: EmulatedMessage }
  | { type: 'call-created'; call: EmulatedCall }
  | { type: 'call-updated'; call: EmulatedCall; modification: CallModification }
  | { type: 'recording-created'; recording: EmulatedRecording };

export interface RouteContext {
  /** Path as received, including the subdomain segment (`/api/2010-04-01/...`). */
  path: string;
  /** Path as Twilio would see it on its own host (`/2010-04-01/...`), used in error messages. */
  twilioPath: string;
  pathParams: Record<string, string>;
  form: FormParams;
  query: FormParams;
  headers: IncomingHttpHeaders;
  /** The account authenticated by HTTP Basic auth. */
  accountSid: string;
  store: EmulatorStore;
  now: () => Date;
  emit: (event: EmulatorEvent) => void;
}

interface RouteResult {
  status: number;
  body?: object;
  /** e.g. a redirect's Location. */
  headers?: Record<string, string>;
  /** A binary answer (a recording's audio) instead of JSON. */
  raw?: { contentType: string; bytes: Buffer };
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** e.g. `/api/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json` */
  pattern: string;
  handler: (ctx: RouteContext) => RouteResult;
}

interface CompiledRoute extends Route {
  regex: RegExp;
}

export type RouteMatch =
  | { kind: 'found'; route: Route; pathParams: Record<string, string> }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' };

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: Route[]) {
    this.routes = routes.map((route) => ({ ...route, regex: compile(route.pattern) }));
  }

  match(method: string, path: string): RouteMatch {
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.regex.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (route.method === method) {
        const pathParams: Record<string, string> = {};
        for (const [key, value] of Object.entries(match.groups ?? {})) pathParams[key] = decodeURIComponent(value);
        return { kind: 'found', route, pathParams };
      }
    }
    return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
  }
}

function compile(pattern: string): RegExp {
  const source = pattern
    .split(/(\{[A-Za-z]+\})/)
    .map((part) =>
      /^\{[A-Za-z]+\}$/.test(part) ? `(?<${part.slice(1, -1)}>[^/]+?)` : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`);
}
