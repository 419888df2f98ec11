import { ConfigSchema } from '../../src/config/schema';
import { WHATSAPP_WINDOW_MS, whatsappSendForm } from '../../src/messaging/whatsapp-window';

const now = new Date('2026-11-29T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const followUp = { contentSid: 'HX' + 'a'.repeat(32), variables: { '1': 'Ada', '2': '{body}' } };
const fallback = { contentSid: 'HX' + 'b'.repeat(32) };

describe('WhatsApp 24-hour window', () => {
  const form = (lastInboundAt: Date | undefined, purpose: 'reply' | 'follow_up' | 'notification', templates = {}) =>
    whatsappSendForm({ lastInboundAt, now, purpose, body: 'Your order shipped.', templates });

  it('sends free form within 24 hours of the last inbound message', () => {
    expect(form(ago(WHATSAPP_WINDOW_MS - 1000), 'follow_up')).toEqual({ kind: 'free_form' });
    expect(form(ago(0), 'reply')).toEqual({ kind: 'free_form' });
  });

  it('outside the window (or with no inbound at all) a follow-up uses the followUp template, {body} filled in', () => {
    expect(form(ago(WHATSAPP_WINDOW_MS), 'follow_up', { followUp, default: fallback })).toEqual({
      kind: 'template',
      contentSid: followUp.contentSid,
      contentVariables: JSON.stringify({ '1': 'Ada', '2': 'Your order shipped.' }),
    });
    expect(form(undefined, 'follow_up', { followUp })).toMatchObject({ kind: 'template' });
  });

  it('falls back to the default template; other purposes use only the default', () => {
    expect(form(ago(2 * WHATSAPP_WINDOW_MS), 'follow_up', { default: fallback })).toEqual({
      kind: 'template',
      contentSid: fallback.contentSid,
      contentVariables: '{}',
    });
    expect(form(ago(2 * WHATSAPP_WINDOW_MS), 'notification', { followUp })).toBeUndefined();
    expect(form(ago(2 * WHATSAPP_WINDOW_MS), 'notification', { followUp, default: fallback })).toMatchObject({
      contentSid: fallback.contentSid,
    });
  });

  it('with no template the send is refused (undefined)', () => {
    expect(form(ago(WHATSAPP_WINDOW_MS + 1), 'reply')).toBeUndefined();
    expect(
      whatsappSendForm({ lastInboundAt: undefined, now, purpose: 'follow_up', body: 'x', templates: undefined }),
    ).toBe(undefined);
  });

  it('the config names a malformed template sid by its field', () => {
    const account = {
      accountSid: 'AC' + '0'.repeat(32),
      authToken: 't',
      whatsappTemplates: { followUp: { contentSid: 'nope' } },
    };
    const parsed = ConfigSchema.safeParse({ twilio: { accounts: [account] } });
    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues.find((i) => i.path.includes('contentSid'))!;
    expect(issue.path).toEqual(['twilio', 'accounts', 0, 'whatsappTemplates', 'followUp', 'contentSid']);
    expect(issue.message).toMatch(/HX followed by 32 hex digits/);
  });
});
