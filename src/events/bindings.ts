import type { Config, EventBinding, WebhookSubscriber } from '../config/schema';
import type { BelugaEvent } from './catalog';

/** `*`, a prefix like `call.*`, or an exact event type. */
export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

function valueAt(event: BelugaEvent, path: string): unknown {
  let node: unknown = event;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Every filter key must match; a list matches any of its values. `account` names a configured account. */
function matchesFilter(filter: Record<string, string | string[]>, event: BelugaEvent, config: Config): boolean {
  return Object.entries(filter).every(([key, expected]) => {
    const allowed = Array.isArray(expected) ? expected : [expected];
    if (key === 'account') {
      const account = config.twilio.accounts.find((a) => a.accountSid === event.accountSid);
      return account !== undefined && allowed.includes(account.name);
    }
    const actual = valueAt(event, key);
    return (
      (typeof actual === 'string' || typeof actual === 'number' || typeof actual === 'boolean') &&
      allowed.includes(String(actual))
    );
  });
}

function matches(
  target: { events: string[]; filter: Record<string, string | string[]> },
  event: BelugaEvent,
  config: Config,
): boolean {
  return target.events.some((p) => matchesPattern(p, event.type)) && matchesFilter(target.filter, event, config);
}

export function matchingBindings(config: Config, event: BelugaEvent): EventBinding[] {
  return config.events.bindings.filter((b) => matches(b, event, config));
}

export function matchingSubscribers(config: Config, event: BelugaEvent): WebhookSubscriber[] {
  return config.webhooks.subscribers.filter((s) => matches(s, event, config));
}
