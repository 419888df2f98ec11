import { callerTrust } from '../../src/customers/caller-trust';
import { parseCallWebhook } from '../../src/voice/webhooks';

const inbound = { direction: 'inbound', withheld: false, requireVerification: false };

describe('how far a caller ID is trusted', () => {
  it('an inbound number with full (A) attestation is verified', () => {
    expect(callerTrust({ ...inbound, stirVerstat: 'TN-Validation-Passed-A' })).toBe('verified');
  });

  it.each([
    'TN-Validation-Passed-B',
    'TN-Validation-Passed-C',
    'TN-Validation-Failed-A',
    'TN-Validation-Failed-B',
    'TN-Validation-Failed',
    'No-TN-Validation',
    'tn-validation-passed-a-ish',
    '',
    undefined,
  ])('an inbound number with StirVerstat %p is unverified', (stirVerstat) => {
    expect(callerTrust({ ...inbound, stirVerstat })).toBe('unverified');
  });

  it('a call we placed reaches the number we dialled: verified, even when verification is required', () => {
    for (const direction of ['outbound-api', 'outbound-dial'])
      expect(callerTrust({ ...inbound, direction, requireVerification: true })).toBe('verified');
  });

  it('a withheld number is never verified', () => {
    expect(callerTrust({ ...inbound, withheld: true, stirVerstat: 'TN-Validation-Passed-A' })).toBe('unverified');
  });

  it('voice.requireVerification makes every inbound caller unverified, A-attested or not', () => {
    expect(callerTrust({ ...inbound, requireVerification: true, stirVerstat: 'TN-Validation-Passed-A' })).toBe(
      'unverified',
    );
  });

  it("reads StirVerstat from Twilio's voice webhook", () => {
    const form = {
      CallSid: 'CA' + '1f'.repeat(16),
      AccountSid: 'AC' + '2e'.repeat(16),
      CallStatus: 'ringing',
      From: '+14155550100',
      To: '+15005550006',
    };
    expect(parseCallWebhook({ ...form, StirVerstat: 'TN-Validation-Passed-C' }).stirVerstat).toBe(
      'TN-Validation-Passed-C',
    );
    expect(parseCallWebhook(form).stirVerstat).toBeUndefined();
  });
});
