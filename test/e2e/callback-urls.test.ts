import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createConversationActivities } from '../../activities/conversations';
import { createPlatformActivities } from '../../activities/platform';
import { ConversationStore } from '../../src/conversations/conversation-store';
import { callbackUrls } from '../../src/telephony/twilio/callback-urls';
import { withConnectionOverrides as given } from '../../src/telephony/twilio/connection-overrides';
import { rulesResponder } from '../../devstack/emulators/anthropic';
import { platformDepsOf } from '../harness/platform-activities';
import { sendTwilioWebhook, type EmulatedConversationWebhook } from '../../devstack/emulators/twilio';
import {
  AGENT_NUMBER,
  PUBLIC_URL,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';

/** A second account without `callbacks`: it must keep the gateway's own routes. */
const PLAIN_ACCOUNT_SID = 'AC' + 'b2'.repeat(16);
const PLAIN_AUTH_TOKEN = 'plain-auth-token-0123456789abcdef';
const PLAIN_NUMBER = '+15005550008';

const CALLBACKS = {
  messageStatusUrl: 'https://callbacks.example.net/sms/status',
  callStatusUrl: 'https://callbacks.example.net/voice/status',
  callStatusEvents: ['answered', 'completed'],
  conversationsWebhookUrl: 'https://callbacks.example.net/conversations',
  conversationsWebhookFilters: ['onMessageAdded', 'onConversationStateUpdated'],
};

const phonePrefix = `+1415${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let phoneCounter = 0;
/** Customer workflows are shared across test files on one server: every test gets its own numbers. */
function uniquePhone(): string {
  phoneCounter++;
  return `${phonePrefix}${String(phoneCounter).padStart(4, '0')}`;
}
let nameCounter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++nameCounter}`;

// Per-account callback URLs from the config file reach Twilio: message StatusCallback, the
// conversation-scoped webhook (once, even across retries), call status; unconfigured accounts keep the defaults.
describe('configurable Twilio callback URLs', () => {
  let system: TestSystem;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-callbacks-'));
    const configFile = path.join(dir, 'beluga.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        twilio: {
          accounts: [
            // Same sid as the env account: the env token and numbers merge into it, `callbacks` stay.
            { name: 'main', accountSid: TEST_ACCOUNT_SID, authToken: 'replaced-by-env', callbacks: CALLBACKS },
            { name: 'plain', accountSid: PLAIN_ACCOUNT_SID, authToken: PLAIN_AUTH_TOKEN, phoneNumbers: [PLAIN_NUMBER] },
          ],
        },
      }),
    );
    system = await startTestSystem({ BELUGA_CONFIG_FILE: configFile });
    system.twilio.addAccount(PLAIN_ACCOUNT_SID, PLAIN_AUTH_TOKEN);
  });
  afterAll(async () => {
    await system?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => system.twilio.faults.clear());

  function webhooksOf(conversationSid: string): EmulatedConversationWebhook[] {
    return system.twilio.state.conversationWebhooks.filter((w) => w.conversationSid === conversationSid);
  }

  /** Runs `fn` as attempt `attempt` of an activity. */
  function inActivity<R>(fn: () => Promise<R>, attempt = 1, activityId?: string): Promise<R> {
    return new MockActivityEnvironment({ attempt, ...(activityId ? { activityId } : {}) }).run<[], R, () => Promise<R>>(
      fn,
    );
  }

  /** The activities under test, on the system's real config, Twilio client and stores. */
  function activities() {
    const deps = platformDepsOf(system);
    return {
      ...createConversationActivities({ ...deps, conversations: new ConversationStore(system.db) }),
      ...createPlatformActivities(deps),
    };
  }

  it('loads the file account merged with the env account, and defaults for the account without callbacks', () => {
    const config = system.config.get();
    expect(config.twilio.accounts.find((a) => a.accountSid === TEST_ACCOUNT_SID)).toMatchObject({
      authToken: TEST_AUTH_TOKEN,
      phoneNumbers: [AGENT_NUMBER],
      callbacks: CALLBACKS,
    });
    expect(callbackUrls(config, TEST_ACCOUNT_SID)).toMatchObject({
      messageStatus: given(CALLBACKS.messageStatusUrl),
      callStatus: given(CALLBACKS.callStatusUrl),
      callStatusEvents: CALLBACKS.callStatusEvents,
      recordingStatus: given(`${PUBLIC_URL}/twilio/voice/recording`),
      conversationsWebhook: given(CALLBACKS.conversationsWebhookUrl),
      conversationsWebhookFilters: CALLBACKS.conversationsWebhookFilters,
    });
    expect(callbackUrls(config, PLAIN_ACCOUNT_SID)).toEqual({
      messageStatus: given(`${PUBLIC_URL}/twilio/messaging/status`),
      callStatus: given(`${PUBLIC_URL}/twilio/voice/status`),
      callStatusEvents: ['initiated', 'ringing', 'answered', 'completed'],
      recordingStatus: given(`${PUBLIC_URL}/twilio/voice/recording`),
      conversationsWebhook: given(`${PUBLIC_URL}/twilio/conversations/events`),
      conversationsWebhookFilters: [
        'onMessageAdded',
        'onParticipantAdded',
        'onParticipantRemoved',
        'onConversationStateUpdated',
        'onDeliveryUpdated',
      ],
    });
  });

  it("sends the agent's SMS reply with the account's configured StatusCallback", async () => {
    const from = uniquePhone();
    system.anthropic.setResponder(
      rulesResponder([{ when: /configured callback please/, reply: 'Reply with a configured callback.' }]),
    );
    const response = await system.webhook('/twilio/messaging/inbound', inboundSms(from, 'configured callback please'));
    expect(response.status).toBe(200);

    const [reply] = await eventually(
      'reply sent',
      () => system.twilio.sentMessages({ to: from }).length > 0 && system.twilio.sentMessages({ to: from }),
    );
    expect(reply).toMatchObject({
      accountSid: TEST_ACCOUNT_SID,
      from: AGENT_NUMBER,
      body: 'Reply with a configured callback.',
    });
    // With the reply's idempotency key, which the status callback brings back.
    expect(reply?.statusCallback).toMatch(/^https:\/\/callbacks\.example\.net\/sms\/status\?belugaKey=reply%3ASM/);
    // The key goes before Twilio's connection overrides, which stay the URL's fragment.
    expect(reply?.statusCallback).toMatch(/\?belugaKey=[^#]+#ct=/);
  });

  it("keeps the gateway's own status route for an account without callbacks", async () => {
    const from = uniquePhone();
    system.anthropic.setResponder(
      rulesResponder([{ when: /default callback please/, reply: 'Reply with the default callback.' }]),
    );
    const path = '/twilio/messaging/inbound';
    const response = await sendTwilioWebhook({
      url: `${system.gatewayUrl}${path}`,
      publicUrl: `${PUBLIC_URL}${path}`,
      authToken: PLAIN_AUTH_TOKEN,
      params: inboundSms(from, 'default callback please', { AccountSid: PLAIN_ACCOUNT_SID, To: PLAIN_NUMBER }),
    });
    expect(response.status).toBe(200);

    const [reply] = await eventually(
      'reply sent',
      () => system.twilio.sentMessages({ to: from }).length > 0 && system.twilio.sentMessages({ to: from }),
    );
    expect(reply).toMatchObject({
      accountSid: PLAIN_ACCOUNT_SID,
      from: PLAIN_NUMBER,
    });
    expect(reply?.statusCallback).toContain(`${PUBLIC_URL}/twilio/messaging/status?belugaKey=`);
    expect(reply?.statusCallback).toMatch(/\?belugaKey=[^#]+#ct=/);
  });

  it('adds the configured conversation-scoped webhook to a conversation created through the operator API', async () => {
    const friendlyName = unique('Scoped');
    const created = await system.api('POST', '/conversations', { friendlyName });
    expect(created.status).toBe(201);
    const sid = created.json.sid as string;

    expect(webhooksOf(sid)).toEqual([
      expect.objectContaining({
        accountSid: TEST_ACCOUNT_SID,
        target: 'webhook',
        url: given(CALLBACKS.conversationsWebhookUrl),
        method: 'POST',
        filters: CALLBACKS.conversationsWebhookFilters,
      }),
    ]);
    const [request] = system.twilio.requestsMatching({ method: 'POST', path: `/Conversations/${sid}/Webhooks` });
    expect(request?.params).toEqual({
      Target: 'webhook',
      'Configuration.Url': given(CALLBACKS.conversationsWebhookUrl),
      'Configuration.Method': 'post',
      'Configuration.Filters': CALLBACKS.conversationsWebhookFilters,
    });
  });

  it('adds no scoped webhook for an account without a configured conversations URL', async () => {
    const created = await system.api('POST', '/conversations', {
      friendlyName: unique('Plain'),
      accountSid: PLAIN_ACCOUNT_SID,
    });
    expect(created.status).toBe(201);
    expect(created.json.accountSid).toBe(PLAIN_ACCOUNT_SID);
    expect(webhooksOf(created.json.sid as string)).toEqual([]);
    expect(system.twilio.requestsMatching({ path: `/Conversations/${created.json.sid as string}/Webhooks` })).toEqual(
      [],
    );
  });

  it('does not add the webhook twice when a retried create finds the conversation and its webhook in place', async () => {
    const acts = activities();
    const uniqueName = unique('retried');
    const input = { accountSid: TEST_ACCOUNT_SID, friendlyName: 'Retried create', uniqueName };
    const first = await inActivity(() => acts.createConversation(input));
    expect(webhooksOf(first.sid)).toHaveLength(1);

    // Attempt 2 as after a lost answer: the unique name is taken, the webhook already there.
    const second = await inActivity(() => acts.createConversation(input), 2);
    expect(second.sid).toBe(first.sid);
    expect(webhooksOf(first.sid)).toHaveLength(1);
    expect(
      system.twilio.requestsMatching({ method: 'POST', path: `/Conversations/${first.sid}/Webhooks` }),
    ).toHaveLength(1);
  });

  it('retries a failed webhook add on the same conversation when it has a unique name', async () => {
    const uniqueName = unique('flaky-named');
    const fault = system.twilio.faults.failNext(1, 'server-error', {
      method: 'POST',
      path: '/conversations/v1/Conversations/*/Webhooks',
    });
    const created = await system.api('POST', '/conversations', { friendlyName: 'Flaky named', uniqueName });
    expect(created.status).toBe(201);
    expect(fault.fired).toBe(1);

    const sid = created.json.sid as string;
    expect(system.twilio.state.conversations.filter((c) => c.uniqueName === uniqueName).map((c) => c.sid)).toEqual([
      sid,
    ]);
    expect(webhooksOf(sid)).toEqual([expect.objectContaining({ url: given(CALLBACKS.conversationsWebhookUrl) })]);
  });

  it('leaves no conversation without its webhook behind when the add fails and the create is retried', async () => {
    const friendlyName = unique('Flaky');
    const fault = system.twilio.faults.failNext(1, 'server-error', {
      method: 'POST',
      path: '/conversations/v1/Conversations/*/Webhooks',
    });
    const created = await system.api('POST', '/conversations', { friendlyName });
    expect(created.status).toBe(201);
    expect(fault.fired).toBe(1);

    // The first attempt's conversation (no unique name to find it by) was removed; the retry's has the webhook.
    const sid = created.json.sid as string;
    expect(system.twilio.state.conversations.filter((c) => c.friendlyName === friendlyName).map((c) => c.sid)).toEqual([
      sid,
    ]);
    expect(webhooksOf(sid)).toEqual([expect.objectContaining({ url: given(CALLBACKS.conversationsWebhookUrl) })]);
    expect(
      system.twilio
        .requestsMatching({ method: 'POST', path: '/conversations/v1/Conversations' })
        .filter((r) => r.params.FriendlyName === friendlyName),
    ).toHaveLength(2);
  });

  it('places calls with the configured status callback and events, or the defaults', async () => {
    const acts = activities();
    // Two activities (a call is placed once per activity: its id is part of the call's idempotency key).
    const configured = await inActivity(
      () => acts.placeCall({ to: uniquePhone(), accountSid: TEST_ACCOUNT_SID }),
      1,
      'place-1',
    );
    const plain = await inActivity(
      () => acts.placeCall({ to: uniquePhone(), accountSid: PLAIN_ACCOUNT_SID }),
      1,
      'place-2',
    );
    const calls = system.twilio.state.calls;
    expect(calls.find((c) => c.sid === configured.callSid)).toMatchObject({
      statusCallback: given(CALLBACKS.callStatusUrl),
      statusCallbackEvents: CALLBACKS.callStatusEvents,
    });
    expect(calls.find((c) => c.sid === plain.callSid)).toMatchObject({
      statusCallback: given(`${PUBLIC_URL}/twilio/voice/status`),
      statusCallbackEvents: ['initiated', 'ringing', 'answered', 'completed'],
    });
  });
});
