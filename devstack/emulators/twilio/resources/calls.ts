import { rfc2822 } from '../dates';
import { TwilioApiError, invalidParam, notFound } from '../errors';
import { renderV2010Page } from '../paging';
import type { Route, RouteContext } from '../router';
import { newSid } from '../sids';
import { TERMINAL_CALL_STATUSES, type CallModification, type EmulatedCall } from '../store';
import { isValidAddress, requirePathAccount, requireSid } from './validation';

const BASE = '/api/2010-04-01/Accounts/{AccountSid}';
const CALL_CHANNELS = ['client', 'sip'];

/** `+14155550100` -> `(415) 555-0100`, as Twilio formats NANP numbers; others unchanged. */
function formatNumber(number: string): string {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(number);
  return nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : number;
}

function callDurationSeconds(call: EmulatedCall): number | null {
  if (!call.startTime || !call.endTime) return null;
  return Math.max(0, Math.round((call.endTime.getTime() - call.startTime.getTime()) / 1000));
}

function renderCall(call: EmulatedCall): object {
  const uri = `/2010-04-01/Accounts/${call.accountSid}/Calls/${call.sid}`;
  const duration = callDurationSeconds(call);
  return {
    account_sid: call.accountSid,
    annotation: null,
    answered_by: call.answeredBy,
    api_version: '2010-04-01',
    caller_name: null,
    date_created: rfc2822(call.dateCreated),
    date_updated: rfc2822(call.dateUpdated),
    direction: call.direction,
    duration: duration === null ? null : String(duration),
    end_time: call.endTime ? rfc2822(call.endTime) : null,
    forwarded_from: null,
    from: call.from,
    from_formatted: formatNumber(call.from),
    group_sid: null,
    parent_call_sid: call.parentCallSid,
    phone_number_sid: null,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid: call.sid,
    start_time: call.startTime ? rfc2822(call.startTime) : null,
    status: call.status,
    subresource_uris: {
      notifications: `${uri}/Notifications.json`,
      recordings: `${uri}/Recordings.json`,
      payments: `${uri}/Payments.json`,
      events: `${uri}/Events.json`,
      siprec: `${uri}/Siprec.json`,
      streams: `${uri}/Streams.json`,
      user_defined_message_subscriptions: `${uri}/UserDefinedMessageSubscriptions.json`,
      user_defined_messages: `${uri}/UserDefinedMessages.json`,
    },
    to: call.to,
    to_formatted: formatNumber(call.to),
    trunk_sid: null,
    uri: `${uri}.json`,
  };
}

function createCall(ctx: RouteContext) {
  const accountSid = requirePathAccount(ctx);
  const to = ctx.form.get('To');
  const from = ctx.form.get('From');
  const url = ctx.form.get('Url') ?? null;
  const twiml = ctx.form.get('Twiml') ?? null;
  const applicationSid = ctx.form.get('ApplicationSid') ?? null;
  if (!to) throw invalidParam(21201, "No 'To' number is specified");
  if (!isValidAddress(to, CALL_CHANNELS)) throw invalidParam(21211, `Invalid 'To' Phone Number: ${to}`);
  if (!from) throw invalidParam(21213, "No 'From' number is specified");
  if (!url && !twiml && !applicationSid) throw invalidParam(21205, 'Url parameter is required.');
  const now = ctx.now();
  const call: EmulatedCall = {
    sid: newSid('CA'),
    accountSid,
    to,
    from,
    url,
    twiml,
    applicationSid,
    statusCallback: ctx.form.get('StatusCallback') ?? null,
    statusCallbackEvents: ctx.form.getAll('StatusCallbackEvent'),
    record: ctx.form.get('Record') === 'true',
    timeoutSeconds: Number(ctx.form.get('Timeout') ?? 60),
    machineDetection: ctx.form.get('MachineDetection') ?? null,
    status: 'queued',
    direction: 'outbound-api',
    parentCallSid: null,
    answeredBy: null,
    startTime: null,
    endTime: null,
    dateCreated: now,
    dateUpdated: now,
    modifications: [],
    params: ctx.form.toRecord(),
  };
  ctx.store.calls.set(call.sid, call);
  ctx.emit({ type: 'call-created', call });
  return { status: 201, body: renderCall(call) };
}

function findCall(ctx: RouteContext): EmulatedCall {
  const accountSid = requirePathAccount(ctx);
  const call = ctx.store.calls.get(requireSid(ctx, 'Sid'));
  if (!call || call.accountSid !== accountSid) throw notFound(ctx.twilioPath);
  return call;
}

function fetchCall(ctx: RouteContext) {
  return { status: 200, body: renderCall(findCall(ctx)) };
}

function listCalls(ctx: RouteContext) {
  const accountSid = requirePathAccount(ctx);
  const [to, from, parent, status] = ['To', 'From', 'ParentCallSid', 'Status'].map((name) => ctx.query.get(name));
  const all = [...ctx.store.calls.values()]
    .filter(
      (c) =>
        c.accountSid === accountSid &&
        (!to || c.to === to) &&
        (!from || c.from === from) &&
        (!parent || c.parentCallSid === parent) &&
        (!status || c.status === status),
    )
    .reverse();
  return {
    status: 200,
    body: renderV2010Page({
      key: 'calls',
      listUri: `/2010-04-01/Accounts/${accountSid}/Calls.json`,
      all,
      query: ctx.query,
      render: renderCall,
    }),
  };
}

/** The number a `<Dial>` in TwiML calls (`<Dial>+1…</Dial>` or `<Dial><Number>+1…</Number></Dial>`), if any. */
function dialledNumber(twiml: string): string | undefined {
  const dial = /<Dial\b[^>]*>([\s\S]*?)<\/Dial>/.exec(twiml)?.[1];
  if (dial === undefined) return undefined;
  const number = /<Number\b[^>]*>([^<]+)<\/Number>/.exec(dial)?.[1] ?? dial;
  return number.trim() || undefined;
}

/** What a redirect to a `<Dial>` starts at Twilio: a child leg to the dialled number, ringing. */
function dialLeg(ctx: RouteContext, parent: EmulatedCall, to: string, callerId: string | undefined): EmulatedCall {
  const now = ctx.now();
  const leg: EmulatedCall = {
    ...parent,
    sid: newSid('CA'),
    to,
    from: callerId ?? parent.from,
    url: null,
    twiml: null,
    statusCallback: null,
    statusCallbackEvents: [],
    record: false,
    status: 'ringing',
    direction: 'outbound-dial',
    parentCallSid: parent.sid,
    answeredBy: null,
    startTime: null,
    endTime: null,
    dateCreated: now,
    dateUpdated: now,
    modifications: [],
    params: {},
  };
  ctx.store.calls.set(leg.sid, leg);
  return leg;
}

/** Live-call modification: redirect (Url/Twiml) or hang up (Status=completed|canceled). */
function updateCall(ctx: RouteContext) {
  const call = findCall(ctx);
  const twiml = ctx.form.get('Twiml');
  const url = ctx.form.get('Url');
  const status = ctx.form.get('Status');
  if (status !== undefined && status !== 'completed' && status !== 'canceled') {
    throw invalidParam(20001, `Invalid Status: ${status}. Must be 'completed' or 'canceled'`);
  }
  const terminal = TERMINAL_CALL_STATUSES.includes(call.status);
  if ((twiml !== undefined || url !== undefined) && terminal) {
    throw new TwilioApiError(400, 21220, 'Call is not in-progress. Cannot redirect.');
  }
  const now = ctx.now();
  const modification: CallModification = { at: now, params: ctx.form.toRecord() };
  if (twiml !== undefined) modification.twiml = twiml;
  if (url !== undefined) modification.url = url;
  if (status !== undefined) modification.status = status;
  call.modifications.push(modification);
  if (twiml !== undefined) {
    call.twiml = twiml;
    const dialled = dialledNumber(twiml);
    if (dialled) dialLeg(ctx, call, dialled, /<Dial\b[^>]*\bcallerId="([^"]+)"/.exec(twiml)?.[1]);
  }
  if (url !== undefined) call.url = url;
  // Hanging up an already-ended call is a no-op here (unconfirmed what Twilio answers).
  // `canceled` only affects calls not yet answered; `completed` ends any live call.
  const notYetAnswered = call.status === 'queued' || call.status === 'initiated' || call.status === 'ringing';
  if (!terminal && (status === 'completed' || (status === 'canceled' && notYetAnswered))) {
    call.status = status === 'canceled' || notYetAnswered ? 'canceled' : 'completed';
    call.endTime = now;
  }
  call.dateUpdated = now;
  ctx.emit({ type: 'call-updated', call, modification });
  return { status: 200, body: renderCall(call) };
}

export const callRoutes: Route[] = [
  { method: 'POST', pattern: `${BASE}/Calls.json`, handler: createCall },
  { method: 'GET', pattern: `${BASE}/Calls.json`, handler: listCalls },
  { method: 'GET', pattern: `${BASE}/Calls/{Sid}.json`, handler: fetchCall },
  { method: 'POST', pattern: `${BASE}/Calls/{Sid}.json`, handler: updateCall },
];
