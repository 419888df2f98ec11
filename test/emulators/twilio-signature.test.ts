import twilio from 'twilio';
import { createHmac } from 'node:crypto';
import { isValidTwilioBodySignature, isValidTwilioSignature } from '../../src/telephony/twilio/signature';
import { bodySha256Hex, signTwilioRequest, withBodySha256 } from '../../devstack/emulators/twilio/webhook-sender';

// Official vectors (protocols.md section 5, from the twilio-node test suite).
const TOKEN = '12345';
const URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const URL_WITH_PORT = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
const PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
};
const JSON_BODY = '{"property": "value", "boolean": true}';

describe('signTwilioRequest (independent signer) reproduces the official vectors', () => {
  it('form params', () => {
    expect(signTwilioRequest(TOKEN, URL, PARAMS)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('form params, URL with explicit :443', () => {
    expect(signTwilioRequest(TOKEN, URL_WITH_PORT, PARAMS)).toBe('kvajT1Ptam85bY51eRf/AJRuM3w=');
  });

  it('JSON body: sha256 and URL-only signature', () => {
    expect(bodySha256Hex(JSON_BODY)).toBe('0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620');
    const signedUrl = withBodySha256(URL, JSON_BODY);
    expect(signedUrl).toBe(`${URL}&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620`);
    expect(signTwilioRequest(TOKEN, signedUrl)).toBe('a9nBmqA0ju/hNViExpshrM61xv4=');
  });

  it('repeated keys contribute one pair per value, values sorted', () => {
    const url = 'https://example.com/hook';
    const expected = createHmac('sha1', 'tok')
      .update(`${url}BodyhiMediaUrlhttps://a.example/1.pngMediaUrlhttps://b.example/2.png`)
      .digest('base64');
    const params = { MediaUrl: ['https://b.example/2.png', 'https://a.example/1.png'], Body: 'hi' };
    expect(signTwilioRequest('tok', url, params)).toBe(expected);
    expect(isValidTwilioSignature({ authToken: 'tok', url, params, signature: expected })).toBe(true);
  });
});

describe('isValidTwilioSignature (official SDK validation)', () => {
  it('accepts both official form vectors, with and without the port', () => {
    for (const url of [URL, URL_WITH_PORT]) {
      expect(
        isValidTwilioSignature({ authToken: TOKEN, url, params: PARAMS, signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' }),
      ).toBe(true);
      expect(
        isValidTwilioSignature({ authToken: TOKEN, url, params: PARAMS, signature: 'kvajT1Ptam85bY51eRf/AJRuM3w=' }),
      ).toBe(true);
    }
  });

  it('accepts the official JSON-body vector and rejects a changed body', () => {
    const url = withBodySha256(URL, JSON_BODY);
    const signature = 'a9nBmqA0ju/hNViExpshrM61xv4=';
    expect(isValidTwilioBodySignature({ authToken: TOKEN, url, rawBody: JSON_BODY, signature })).toBe(true);
    expect(
      isValidTwilioBodySignature({ authToken: TOKEN, url, rawBody: JSON_BODY.replace('true', 'false'), signature }),
    ).toBe(false);
  });

  it('rejects a tampered param, an extra param, a wrong token and a different URL', () => {
    const signature = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';
    expect(
      isValidTwilioSignature({ authToken: TOKEN, url: URL, params: { ...PARAMS, Digits: '1235' }, signature }),
    ).toBe(false);
    expect(isValidTwilioSignature({ authToken: TOKEN, url: URL, params: { ...PARAMS, Extra: 'x' }, signature })).toBe(
      false,
    );
    expect(isValidTwilioSignature({ authToken: '54321', url: URL, params: PARAMS, signature })).toBe(false);
    expect(
      isValidTwilioSignature({ authToken: TOKEN, url: URL.replace('foo=1', 'foo=2'), params: PARAMS, signature }),
    ).toBe(false);
  });

  it('validates repeated keys given as arrays from another realm (Node core under jest)', () => {
    const url = 'https://gw.example.com/twilio/status';
    const foreignArray = new URLSearchParams('Tag=zeta&Tag=alpha').getAll('Tag');
    expect(foreignArray instanceof Array).toBe(false); // the trap: the SDK checks instanceof
    const signature = signTwilioRequest('tok', url, { Tag: ['alpha', 'zeta'] });
    expect(isValidTwilioSignature({ authToken: 'tok', url, params: { Tag: foreignArray }, signature })).toBe(true);
  });

  it('returns false, never throws, for a missing signature or a malformed URL', () => {
    for (const signature of [undefined, null, '']) {
      expect(isValidTwilioSignature({ authToken: TOKEN, url: URL, params: PARAMS, signature })).toBe(false);
    }
    expect(isValidTwilioSignature({ authToken: TOKEN, url: 'not a url', params: PARAMS, signature: 'abc=' })).toBe(
      false,
    );
    expect(isValidTwilioBodySignature({ authToken: TOKEN, url: 'not a url', rawBody: '{}', signature: 'abc=' })).toBe(
      false,
    );
  });

  it('agrees with the SDK signer on the independent signer output for arbitrary params', () => {
    const url = 'https://gw.example.com/twilio/sms?tenant=a%20b';
    const params = { Body: 'Hé llo & ünïcode ✓', From: 'whatsapp:+14155550100', NumMedia: '0', ProfileName: "O'Brien" };
    expect(signTwilioRequest('secret', url, params)).toBe(twilio.getExpectedTwilioSignature('secret', url, params));
  });
});
