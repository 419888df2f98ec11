import { callCustomerAddress, isWithheldNumber } from '../../src/customers/caller-identity';
import { callParties } from '../../src/voice/call-types';

describe('withheld caller numbers', () => {
  it.each([
    'anonymous',
    'Anonymous',
    'ANONYMOUS',
    '+anonymous',
    'restricted',
    'unknown',
    'private',
    'blocked',
    'unavailable',
    '',
    '   ',
    // Twilio's keypad spelling of the same words, as older calls and <Dial> legs carry them.
    '+266696687',
    '266696687',
    '+7378742833',
    '+2562533',
    '+86282452253',
    '+8656696',
    '+7748283',
    // Not a phone number at all.
    '+1',
    '12345',
    'not a number',
  ])('%p is withheld', (from) => {
    expect(isWithheldNumber(from)).toBe(true);
  });

  it.each(['+14155550100', '+447700900123', '+33612345678', 'client:alice', 'sip:alice@example.com'])(
    '%p identifies a caller',
    (from) => {
      expect(isWithheldNumber(from)).toBe(false);
    },
  );

  it('gives a withheld caller a customer address of the call alone, anyone else their number', () => {
    const sid1 = 'CA' + '1'.repeat(32);
    const sid2 = 'CA' + '2'.repeat(32);
    expect(callCustomerAddress(sid1, 'anonymous')).toBe(`call:${sid1}`);
    expect(callCustomerAddress(sid2, 'anonymous')).not.toBe(callCustomerAddress(sid1, 'anonymous'));
    expect(callCustomerAddress(sid1, '+266696687')).toBe(`call:${sid1}`);
    expect(callCustomerAddress(sid1, '+14155550100')).toBe('+14155550100');
  });
});

describe('the remote party of a call', () => {
  const ours = '+15005550006';
  const theirs = '+14155550100';

  it('is the caller of an inbound call', () => {
    expect(callParties({ direction: 'inbound', from: theirs, to: ours })).toEqual({ remote: theirs, local: ours });
    expect(callParties({ from: theirs, to: ours })).toEqual({ remote: theirs, local: ours });
  });

  it('is the callee of a call we placed', () => {
    expect(callParties({ direction: 'outbound-api', from: ours, to: theirs })).toEqual({ remote: theirs, local: ours });
    expect(callParties({ direction: 'outbound-dial', from: ours, to: theirs })).toEqual({
      remote: theirs,
      local: ours,
    });
  });

  it('is empty when nothing is known', () => {
    expect(callParties({})).toEqual({ remote: '', local: '' });
  });
});
