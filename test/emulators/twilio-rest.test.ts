import { isSid } from '../../devstack/emulators/twilio/sids';
import { ACCOUNT_SID, AUTH_TOKEN, rawPost, restError, sharedEmulator } from './twilio-fixtures';

const FROM = '+14155550100';
const TO = '+14155550101';

const fx = sharedEmulator();

describe('Messages', () => {
  it('creates an MMS with repeated MediaUrl and reads it back', async () => {
    const created = await fx.client.messages.create({
      to: TO,
      from: FROM,
      body: 'your receipt',
      mediaUrl: ['https://cdn.example/a.png', 'https://cdn.example/b.pdf'],
      statusCallback: 'https://gw.example/twilio/status',
    });
    expect(isSid(created.sid, 'MM')).toBe(true);
    expect(created).toMatchObject({
      accountSid: ACCOUNT_SID,
      to: TO,
      from: FROM,
      status: 'queued',
      numMedia: '2',
      direction: 'outbound-api',
    });
    expect(created.dateCreated).toBeInstanceOf(Date);
    expect(Number.isNaN(created.dateCreated.getTime())).toBe(false);
    expect(created.uri).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${created.sid}.json`);

    const [request] = fx.emulator.requests;
    expect(request?.rawBody).toContain(
      'MediaUrl=https%3A%2F%2Fcdn.example%2Fa.png&MediaUrl=https%3A%2F%2Fcdn.example%2Fb.pdf',
    );
    expect(request?.params.MediaUrl).toEqual(['https://cdn.example/a.png', 'https://cdn.example/b.pdf']);
    expect(request?.headers.authorization).toBe('[redacted]');
    expect(JSON.stringify(fx.emulator.requests)).not.toContain(AUTH_TOKEN);
    expect(fx.emulator.sentMessages()).toEqual([
      expect.objectContaining({
        sid: created.sid,
        body: 'your receipt',
        statusCallback: 'https://gw.example/twilio/status',
      }),
    ]);

    fx.emulator.setMessageStatus(created.sid, 'delivered');
    const fetched = await fx.client.messages(created.sid).fetch();
    expect(fetched.status).toBe('delivered');
    expect(fetched.dateSent).toBeInstanceOf(Date);
  });

  it('sends SMS segments count and WhatsApp addresses; a service without From is "accepted"', async () => {
    const long = await fx.client.messages.create({ to: TO, from: FROM, body: 'x'.repeat(161) });
    expect(isSid(long.sid, 'SM')).toBe(true);
    expect(long.numSegments).toBe('2');
    const unicode = await fx.client.messages.create({ to: TO, from: FROM, body: '✓'.repeat(71) });
    expect(unicode.numSegments).toBe('2');
    const wa = await fx.client.messages.create({
      to: 'whatsapp:+447700900123',
      messagingServiceSid: `MG${'a'.repeat(32)}`,
      body: 'hello',
    });
    expect(wa).toMatchObject({ status: 'accepted', from: null, to: 'whatsapp:+447700900123' });
  });

  it('lists newest first across pages, with filters', async () => {
    const sids: string[] = [];
    for (let i = 0; i < 5; i += 1)
      sids.push((await fx.client.messages.create({ to: TO, from: FROM, body: `m${i}` })).sid);
    await fx.client.messages.create({ to: '+14155550199', from: FROM, body: 'other' });

    const listed = await fx.client.messages.list({ to: TO, pageSize: 2 });
    expect(listed.map((m) => m.sid)).toEqual([...sids].reverse());
    const gets = fx.emulator.requestsMatching({ method: 'GET', path: '/Messages.json' });
    expect(gets).toHaveLength(3);
    expect(gets.every((r) => r.query.To === TO)).toBe(true);
  });

  it('rejects invalid input with Twilio error codes and creates nothing', async () => {
    const missingTo = await rawPost(fx.baseUrl, `/api/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
      From: FROM,
      Body: 'x',
    });
    expect(missingTo).toEqual({
      status: 400,
      body: {
        code: 21604,
        message: "A 'To' phone number is required.",
        more_info: 'https://www.twilio.com/docs/errors/21604',
        status: 400,
      },
    });
    expect(await restError(fx.client.messages.create({ to: 'not-a-number', from: FROM, body: 'x' }))).toMatchObject({
      status: 400,
      code: 21211,
    });
    expect(await restError(fx.client.messages.create({ to: TO, body: 'x' }))).toMatchObject({ code: 21603 });
    expect(await restError(fx.client.messages.create({ to: TO, from: FROM }))).toMatchObject({ code: 21602 });
    expect(fx.emulator.sentMessages()).toEqual([]);
  });

  it('404s unknown messages with code 20404', async () => {
    const sid = `SM${'0'.repeat(32)}`;
    const error = await restError(fx.client.messages(sid).fetch());
    expect(error).toMatchObject({ status: 404, code: 20404 });
    expect(error.message).toContain(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`);
  });

  it('runs onMessageCreated after the response', async () => {
    const seen: string[] = [];
    fx.emulator.hooks.onMessageCreated = (message, emulator) => {
      seen.push(message.sid);
      emulator.setMessageStatus(message.sid, 'sent');
    };
    const created = await fx.client.messages.create({ to: TO, from: FROM, body: 'x' });
    expect(created.status).toBe('queued'); // the response went out before the hook ran
    await fx.emulator.hooksSettled();
    expect(seen).toEqual([created.sid]);
    expect(fx.emulator.sentMessages()[0]?.status).toBe('sent');
    expect(fx.emulator.hookErrors).toEqual([]);
  });
});

describe('Calls', () => {
  it('creates a call with repeated StatusCallbackEvent and all options', async () => {
    const created: string[] = [];
    fx.emulator.hooks.onCallCreated = (call) => {
      created.push(call.sid);
    };
    const call = await fx.client.calls.create({
      to: TO,
      from: FROM,
      twiml: '<Response><Connect><Stream url="wss://gw.example/media"/></Connect></Response>',
      statusCallback: 'https://gw.example/twilio/call-status',
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      record: true,
      timeout: 20,
      machineDetection: 'Enable',
    });
    expect(isSid(call.sid, 'CA')).toBe(true);
    expect(call).toMatchObject({
      status: 'queued',
      direction: 'outbound-api',
      to: TO,
      from: FROM,
      toFormatted: '(415) 555-0101',
    });
    expect(call.startTime).toBeNull();
    expect(fx.emulator.requests[0]?.params.StatusCallbackEvent).toEqual([
      'initiated',
      'ringing',
      'answered',
      'completed',
    ]);
    expect(fx.emulator.createdCalls()[0]).toMatchObject({
      statusCallbackEvents: ['initiated', 'ringing', 'answered', 'completed'],
      record: true,
      timeoutSeconds: 20,
      machineDetection: 'Enable',
    });
    await fx.emulator.hooksSettled();
    expect(created).toEqual([call.sid]);

    const fetched = await fx.client.calls(call.sid).fetch();
    expect(fetched.sid).toBe(call.sid);
    expect(fetched.dateCreated).toBeInstanceOf(Date);
  });

  it('modifies a live call (redirect, then hang up) and refuses to redirect an ended call', async () => {
    const updates: string[] = [];
    fx.emulator.hooks.onCallUpdated = (_call, modification) => {
      updates.push(modification.status ?? modification.twiml ?? modification.url ?? '?');
    };
    const call = await fx.client.calls.create({ to: TO, from: FROM, url: 'https://gw.example/twilio/voice' });
    fx.emulator.setCallStatus(call.sid, 'in-progress');

    const transferred = await fx.client
      .calls(call.sid)
      .update({ twiml: '<Response><Dial>+14155550123</Dial></Response>' });
    expect(transferred.status).toBe('in-progress');
    const hungUp = await fx.client.calls(call.sid).update({ status: 'completed' });
    expect(hungUp.status).toBe('completed');
    expect(hungUp.endTime).toBeInstanceOf(Date);
    expect(hungUp.duration).toBe('0');

    expect(fx.emulator.callModifications(call.sid).map((m) => m.twiml ?? m.status)).toEqual([
      '<Response><Dial>+14155550123</Dial></Response>',
      'completed',
    ]);
    const tooLate = await restError(fx.client.calls(call.sid).update({ url: 'https://gw.example/other' }));
    expect(tooLate).toMatchObject({ status: 400, code: 21220 });
    expect(fx.emulator.callModifications(call.sid)).toHaveLength(2);
    await fx.emulator.hooksSettled();
    expect(updates).toEqual(['<Response><Dial>+14155550123</Dial></Response>', 'completed']);
  });

  it('a redirect to a <Dial> starts a child leg, listed by ParentCallSid', async () => {
    const call = await fx.client.calls.create({ to: TO, from: FROM, url: 'https://gw.example/twilio/voice' });
    fx.emulator.setCallStatus(call.sid, 'in-progress');
    expect(await fx.client.calls.list({ parentCallSid: call.sid })).toEqual([]);
    await fx.client
      .calls(call.sid)
      .update({ twiml: `<Response><Dial callerId="${FROM}"><Number>+14155550123</Number></Dial></Response>` });
    const [leg] = await fx.client.calls.list({ parentCallSid: call.sid });
    expect(leg).toMatchObject({ parentCallSid: call.sid, to: '+14155550123', from: FROM, direction: 'outbound-dial' });
    expect(fx.emulator.dialledLegs(call.sid).map((c) => c.sid)).toEqual([leg!.sid]);
    // Only the call created through the API counts as created.
    expect(fx.emulator.createdCalls().map((c) => c.sid)).toEqual([call.sid]);
  });

  it('cancels a call that has not been answered', async () => {
    const call = await fx.client.calls.create({ to: TO, from: FROM, url: 'https://gw.example/twilio/voice' });
    expect((await fx.client.calls(call.sid).update({ status: 'canceled' })).status).toBe('canceled');
  });

  it('validates create and 404s unknown calls', async () => {
    expect(await restError(fx.client.calls.create({ to: TO, from: FROM }))).toMatchObject({ code: 21205 });
    const missingTo = await rawPost(fx.baseUrl, `/api/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
      From: FROM,
      Url: 'https://x.example',
    });
    expect(missingTo).toMatchObject({ status: 400, body: { code: 21201, status: 400 } });
    expect(await restError(fx.client.calls(`CA${'0'.repeat(32)}`).update({ status: 'completed' }))).toMatchObject({
      status: 404,
      code: 20404,
    });
    expect(fx.emulator.createdCalls()).toEqual([]);
  });
});

describe('Conversations', () => {
  const conversations = () => fx.client.conversations.v1.conversations;

  it('creates, fetches (by sid and unique name), updates and deletes a conversation', async () => {
    const created = await conversations().create({
      friendlyName: 'Support +14155550101',
      uniqueName: 'support-14155550101',
      attributes: JSON.stringify({ tenant: 'acme' }),
      messagingServiceSid: `MG${'b'.repeat(32)}`,
      state: 'active',
      'timers.inactive': 'PT5M',
    });
    expect(isSid(created.sid, 'CH')).toBe(true);
    expect(created).toMatchObject({
      accountSid: ACCOUNT_SID,
      friendlyName: 'Support +14155550101',
      uniqueName: 'support-14155550101',
      attributes: '{"tenant":"acme"}',
      messagingServiceSid: `MG${'b'.repeat(32)}`,
      state: 'active',
      url: `https://conversations.twilio.com/v1/Conversations/${created.sid}`,
    });
    expect(created.dateCreated).toBeInstanceOf(Date);
    expect((created.timers as { date_inactive: string }).date_inactive).toBe(
      new Date(created.dateUpdated.getTime() + 5 * 60_000).toISOString().replace('.000Z', 'Z'),
    );
    expect((await conversations()(created.sid).fetch()).uniqueName).toBe('support-14155550101');
    expect((await conversations()('support-14155550101').fetch()).sid).toBe(created.sid);

    const updated = await conversations()(created.sid).update({ friendlyName: 'renamed', state: 'closed' });
    expect(updated).toMatchObject({ friendlyName: 'renamed', state: 'closed' });

    const duplicate = await restError(conversations().create({ uniqueName: 'support-14155550101' }));
    expect(duplicate).toMatchObject({ status: 409, code: 50353 });

    await conversations()(created.sid).participants.create({ identity: 'agent' });
    expect(await conversations()(created.sid).remove()).toBe(true);
    expect(await restError(conversations()(created.sid).fetch())).toMatchObject({ status: 404, code: 20404 });
    expect(fx.emulator.state.conversations).toEqual([]);
    expect(fx.emulator.state.participants).toEqual([]);
  });

  it('pages through the list with meta.next_page_url', async () => {
    const sids: string[] = [];
    for (let i = 0; i < 5; i += 1) sids.push((await conversations().create({ friendlyName: `c${i}` })).sid);

    const firstPage = await conversations().page({ pageSize: 2 });
    expect(firstPage.instances.map((c) => c.sid)).toEqual(sids.slice(0, 2));
    expect(firstPage.nextPageUrl).toMatch(
      /^https:\/\/conversations\.twilio\.com\/v1\/Conversations\?PageSize=2&Page=1&PageToken=/,
    );
    const secondPage = await firstPage.nextPage();
    expect(secondPage?.instances.map((c) => c.sid)).toEqual(sids.slice(2, 4));

    expect((await conversations().list({ pageSize: 2 })).map((c) => c.sid)).toEqual(sids);
    expect((await conversations().list({ limit: 3 })).map((c) => c.sid)).toEqual(sids.slice(0, 3));
  });

  it('adds, lists and removes chat and SMS participants', async () => {
    const conversation = await conversations().create({ friendlyName: 'p' });
    const participants = conversations()(conversation.sid).participants;
    const agent = await participants.create({ identity: 'beluga-agent', attributes: '{"role":"bot"}' });
    expect(isSid(agent.sid, 'MB')).toBe(true);
    expect(agent).toMatchObject({
      identity: 'beluga-agent',
      messagingBinding: null,
      conversationSid: conversation.sid,
    });
    const caller = await participants.create({
      'messagingBinding.address': 'whatsapp:+447700900123',
      'messagingBinding.proxyAddress': 'whatsapp:+14155550100',
    });
    expect(caller.identity).toBeNull();
    expect(caller.messagingBinding).toEqual({
      type: 'whatsapp',
      address: 'whatsapp:+447700900123',
      proxy_address: 'whatsapp:+14155550100',
    });
    expect(fx.emulator.requests.at(-1)?.params).toEqual({
      'MessagingBinding.Address': 'whatsapp:+447700900123',
      'MessagingBinding.ProxyAddress': 'whatsapp:+14155550100',
    });
    const again = await restError(
      participants.create({
        'messagingBinding.address': 'whatsapp:+447700900123',
        'messagingBinding.proxyAddress': 'whatsapp:+14155550100',
      }),
    );
    expect(again).toMatchObject({ status: 409, code: 50416 });

    expect((await participants.list()).map((p) => p.sid)).toEqual([agent.sid, caller.sid]);
    expect(await participants(caller.sid).remove()).toBe(true);
    expect((await participants.list()).map((p) => p.sid)).toEqual([agent.sid]);
    expect(await restError(participants(caller.sid).remove())).toMatchObject({ status: 404, code: 20404 });
  });

  it('posts and lists conversation messages with increasing index', async () => {
    const conversation = await conversations().create({});
    const c = conversations()(conversation.sid);
    const agent = await c.participants.create({ identity: 'beluga-agent' });
    const first = await c.messages.create({ author: 'beluga-agent', body: 'Hello!', attributes: '{"turn":1}' });
    const second = await c.messages.create({
      author: 'beluga-agent',
      body: 'Still there?',
      xTwilioWebhookEnabled: 'true',
    });
    expect(isSid(first.sid, 'IM')).toBe(true);
    expect(first).toMatchObject({
      index: 0,
      author: 'beluga-agent',
      body: 'Hello!',
      attributes: '{"turn":1}',
      participantSid: agent.sid,
    });
    expect(second.index).toBe(1);
    const media = await c.messages.create({ mediaSid: `ME${'c'.repeat(32)}` });
    expect(media.author).toBe('system');
    expect(media.media).toEqual([expect.objectContaining({ sid: `ME${'c'.repeat(32)}` })]);

    expect((await c.messages.list()).map((m) => m.index)).toEqual([0, 1, 2]);
    expect((await c.messages.list({ order: 'desc' })).map((m) => m.index)).toEqual([2, 1, 0]);
    expect(fx.emulator.state.conversationMessages.map((m) => m.webhookEnabled)).toEqual([false, true, false]);
    expect(await restError(c.messages.create({ author: 'x' }))).toMatchObject({ status: 400 });
  });

  it('creates, lists, fetches and deletes conversation-scoped webhooks', async () => {
    const conversation = await conversations().create({ friendlyName: 'w' });
    const webhooks = conversations()(conversation.sid).webhooks;
    const created = await webhooks.create({
      target: 'webhook',
      'configuration.url': 'https://hooks.example/conv',
      'configuration.method': 'post',
      'configuration.filters': ['onMessageAdded', 'onParticipantAdded'],
    });
    expect(isSid(created.sid, 'WH')).toBe(true);
    expect(created).toMatchObject({
      accountSid: ACCOUNT_SID,
      conversationSid: conversation.sid,
      target: 'webhook',
      configuration: {
        url: 'https://hooks.example/conv',
        method: 'POST',
        filters: ['onMessageAdded', 'onParticipantAdded'],
      },
      url: `https://conversations.twilio.com/v1/Conversations/${conversation.sid}/Webhooks/${created.sid}`,
    });
    expect(created.dateCreated).toBeInstanceOf(Date);
    // Filters go over the wire as repeated Configuration.Filters keys.
    expect(fx.emulator.requests.at(-1)?.params).toEqual({
      Target: 'webhook',
      'Configuration.Url': 'https://hooks.example/conv',
      'Configuration.Method': 'post',
      'Configuration.Filters': ['onMessageAdded', 'onParticipantAdded'],
    });
    const studio = await webhooks.create({
      target: 'studio',
      'configuration.flowSid': `FW${'d'.repeat(32)}`,
      'configuration.replayAfter': 3,
    });
    expect(studio.configuration).toMatchObject({ flow_sid: `FW${'d'.repeat(32)}`, replay_after: 3 });

    expect((await webhooks.list()).map((w) => w.sid)).toEqual([created.sid, studio.sid]);
    expect((await webhooks(created.sid).fetch()).configuration).toEqual(created.configuration);
    expect(fx.emulator.state.conversationWebhooks.map((w) => [w.sid, w.url, w.filters])).toEqual([
      [created.sid, 'https://hooks.example/conv', ['onMessageAdded', 'onParticipantAdded']],
      [studio.sid, null, []],
    ]);

    expect(await webhooks(studio.sid).remove()).toBe(true);
    expect((await webhooks.list()).map((w) => w.sid)).toEqual([created.sid]);
    expect(await restError(webhooks(studio.sid).fetch())).toMatchObject({ status: 404, code: 20404 });
    expect(await restError(conversations()(`CH${'0'.repeat(32)}`).webhooks.list())).toMatchObject({
      status: 404,
      code: 20404,
    });

    // Deleting the conversation takes its webhooks with it.
    await conversations()(conversation.sid).remove();
    expect(fx.emulator.state.conversationWebhooks).toEqual([]);
  });

  it('validates conversation-scoped webhooks like Twilio and creates nothing on error', async () => {
    const conversation = await conversations().create({ friendlyName: 'v' });
    const path = `/conversations/v1/Conversations/${conversation.sid}/Webhooks`;
    const invalid: Array<[Record<string, string>, RegExp]> = [
      [{ 'Configuration.Url': 'https://hooks.example/x' }, /Target/],
      [{ Target: 'email', 'Configuration.Url': 'https://hooks.example/x' }, /Target/],
      [{ Target: 'webhook' }, /Configuration\.Url/],
      [{ Target: 'webhook', 'Configuration.Url': 'not a url' }, /Configuration\.Url/],
      [
        { Target: 'webhook', 'Configuration.Url': 'https://hooks.example/x', 'Configuration.Filters': 'onMessageAdd' },
        /onMessageAdd/,
      ],
      [{ Target: 'webhook', 'Configuration.Url': 'https://hooks.example/x', 'Configuration.Method': 'PUT' }, /Method/],
      [{ Target: 'trigger', 'Configuration.Url': 'https://hooks.example/x' }, /Triggers/],
      [{ Target: 'studio' }, /FlowSid/],
    ];
    for (const [form, message] of invalid) {
      const response = await rawPost(fx.baseUrl, path, form);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 400, code: 20001 });
      expect((response.body as { message: string }).message).toMatch(message);
    }
    expect(fx.emulator.state.conversationWebhooks).toEqual([]);

    // At most five per conversation.
    const webhooks = conversations()(conversation.sid).webhooks;
    for (let i = 0; i < 5; i += 1)
      await webhooks.create({ target: 'webhook', 'configuration.url': `https://hooks.example/${i}` });
    expect(
      await restError(webhooks.create({ target: 'webhook', 'configuration.url': 'https://hooks.example/6' })),
    ).toMatchObject({ status: 400 });
    expect(fx.emulator.state.conversationWebhooks).toHaveLength(5);
  });
});

describe('routing and auth', () => {
  const basic = (sid: string, token: string) => `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`;

  it('answers unknown paths with 20404 and wrong methods with 405', async () => {
    const unknown = await fetch(`${fx.baseUrl}/api/2010-04-01/Accounts/${ACCOUNT_SID}/Nope.json`, {
      headers: { Authorization: basic(ACCOUNT_SID, AUTH_TOKEN) },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      code: 20404,
      message: `The requested resource /2010-04-01/Accounts/${ACCOUNT_SID}/Nope.json was not found`,
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    });
    const wrongMethod = await fetch(`${fx.baseUrl}/api/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
      method: 'DELETE',
      headers: { Authorization: basic(ACCOUNT_SID, AUTH_TOKEN) },
    });
    expect(wrongMethod.status).toBe(405);
  });
});
