import { connectStreamTwiml, mediaStreamUrl, transferTwiml } from '../../src/voice/twiml';
import { streamParameters } from '../harness/voice';
import { parseVoiceTwiml } from '../../devstack/emulators/media-streams';

describe('voice TwiML', () => {
  it('connects a two-way stream under the public URL, with the parameters escaped', () => {
    expect(mediaStreamUrl('https://tunnel.example.com/')).toBe('wss://tunnel.example.com/twilio/media-stream');
    expect(mediaStreamUrl('http://localhost:3000')).toBe('ws://localhost:3000/twilio/media-stream');
    const twiml = connectStreamTwiml({
      publicUrl: 'https://tunnel.example.com',
      parameters: { from: '+14155550100', note: 'a "quoted" <b>&' },
    });
    expect(twiml).toContain('<Connect><Stream url="wss://tunnel.example.com/twilio/media-stream">');
    expect(twiml).not.toContain('<Start>');
    expect(streamParameters(twiml).parameters).toEqual({ from: '+14155550100', note: 'a "quoted" <b>&' });
  });

  it('points the stream straight at the realtime workers when configured', () => {
    const twiml = connectStreamTwiml({
      publicUrl: 'https://tunnel.example.com',
      streamUrl: 'wss://voice.example.com/twilio/media-stream',
      parameters: {},
    });
    expect(streamParameters(twiml).url).toBe('wss://voice.example.com/twilio/media-stream');
  });

  it('names the action Twilio asks when the stream ends without a hang-up', () => {
    const twiml = connectStreamTwiml({
      publicUrl: 'https://tunnel.example.com',
      parameters: { token: 't' },
      action: 'https://tunnel.example.com/twilio/voice/stream-ended?seq=0',
    });
    expect(twiml).toContain(
      '<Connect action="https://tunnel.example.com/twilio/voice/stream-ended?seq=0" method="POST"><Stream',
    );
    expect(parseVoiceTwiml(twiml).stream).toEqual({
      url: 'wss://tunnel.example.com/twilio/media-stream',
      parameters: { token: 't' },
      action: 'https://tunnel.example.com/twilio/voice/stream-ended?seq=0',
    });
    expect(parseVoiceTwiml('<Response><Say>Bye.</Say><Hangup/></Response>')).toEqual({
      said: ['Bye.'],
      hangup: true,
    });
  });

  it('transfers with a Dial', () => {
    expect(transferTwiml('+15005550123', { callerId: '+15005550006', announce: 'Connecting you.' })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Connecting you.</Say><Dial callerId="+15005550006">+15005550123</Dial></Response>',
    );
  });
});
