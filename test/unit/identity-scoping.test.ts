import { defaultCustomerId, scopedIdentityKey } from '../../src/customers/identity-store';

const ONE = 'AC' + '1'.repeat(32);
const TWO = 'AC' + '2'.repeat(32);

describe('identity keys scoped by account', () => {
  it('prefixes the identity key with the account', () => {
    expect(scopedIdentityKey(ONE, '+14155550100')).toBe(`${ONE}|phone:+14155550100`);
    expect(scopedIdentityKey(ONE, 'identity:Alice')).toBe(`${ONE}|identity:Alice`);
    expect(scopedIdentityKey(ONE, 'call:CA123')).toBe(`${ONE}|address:call:ca123`);
  });

  it('keeps SMS and WhatsApp of one number one person within an account', () => {
    expect(scopedIdentityKey(ONE, 'whatsapp:+14155550100')).toBe(scopedIdentityKey(ONE, '+14155550100'));
  });

  it('makes the same number two people on two accounts, with different customer ids', () => {
    const a = scopedIdentityKey(ONE, '+14155550100');
    const b = scopedIdentityKey(TWO, '+14155550100');
    expect(a).not.toBe(b);
    expect(defaultCustomerId(a)).not.toBe(defaultCustomerId(b));
    expect(defaultCustomerId(a)).toMatch(/^cus_[0-9a-f]{20}$/);
    // Stable, so concurrent first contacts agree.
    expect(defaultCustomerId(a)).toBe(defaultCustomerId(scopedIdentityKey(ONE, 'whatsapp:+14155550100')));
  });

  it('never gives a scoped customer the id the unscoped key had before (no accidental merge with old data)', () => {
    expect(defaultCustomerId(scopedIdentityKey(ONE, '+14155550100'))).not.toBe(defaultCustomerId('phone:+14155550100'));
  });
});
