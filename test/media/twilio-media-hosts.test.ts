import { mayReceiveTwilioCredentials } from '../../src/media/twilio-media-hosts';

describe('which MediaUrl hosts may receive the account credentials', () => {
  it.each([
    'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
    'https://api.dublin.ie1.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
    'https://mcs.us1.twilio.com/v1/Services/IS1/Media/ME1',
    'https://API.TWILIO.COM:443/x',
  ])('Twilio over HTTPS: %s', (url) => {
    expect(mayReceiveTwilioCredentials(url)).toBe(true);
  });

  it.each([
    ['plain HTTP', 'http://api.twilio.com/2010-04-01/x'],
    ['a look-alike domain', 'https://api.twilio.com.evil.example/x'],
    ['a suffix without the dot', 'https://eviltwilio.com/x'],
    ['an odd port', 'https://api.twilio.com:8443/x'],
    // Pre-signed CDN URLs Twilio redirects to: they need no credentials.
    ['the media CDN', 'https://mms.twiliocdn.com/AC1/abc'],
    ['S3', 'https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC1/abc'],
    ['another host', 'https://media.example.com/ME1'],
    ['garbage', 'not a url'],
  ])('not %s', (_what, url) => {
    expect(mayReceiveTwilioCredentials(url)).toBe(false);
  });

  it('trusts the configured API base URL by origin (scheme, host and port)', () => {
    const base = 'http://127.0.0.1:4010';
    expect(mayReceiveTwilioCredentials('http://127.0.0.1:4010/api/2010-04-01/x', base)).toBe(true);
    expect(mayReceiveTwilioCredentials('http://127.0.0.1:4011/api/2010-04-01/x', base)).toBe(false);
    expect(mayReceiveTwilioCredentials('http://localhost:4010/x', base)).toBe(false);
  });
});
