import { hashPassword, secretHash, verifyNothing, verifyPassword } from '../../src/operators/secrets';
import { SignInThrottle } from '../../src/operators/sign-in-throttle';

describe('operator password hashing (scrypt)', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain('correct horse');
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapler', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('salts every hash: the same password hashes differently, and each verifies', async () => {
    const [one, two] = await Promise.all([hashPassword('same password 123'), hashPassword('same password 123')]);
    expect(one).not.toBe(two);
    await expect(verifyPassword('same password 123', one)).resolves.toBe(true);
    await expect(verifyPassword('same password 123', two)).resolves.toBe(true);
  });

  it('treats Unicode compositions of one password alike (NFKC)', async () => {
    const stored = await hashPassword('caf\u00e9-password');
    await expect(verifyPassword('cafe\u0301-password', stored)).resolves.toBe(true);
  });

  it('refuses malformed or tampered hashes instead of throwing', async () => {
    const stored = await hashPassword('a password of mine');
    await expect(verifyPassword('a password of mine', 'plain text')).resolves.toBe(false);
    await expect(verifyPassword('a password of mine', stored.replace('scrypt$15', 'scrypt$30'))).resolves.toBe(false);
    const parts = stored.split('$');
    parts[5] = parts[5]!.slice(0, -2) + (parts[5]!.endsWith('AA') ? 'BB' : 'AA');
    await expect(verifyPassword('a password of mine', parts.join('$'))).resolves.toBe(false);
  });

  it('keeps verifying hashes made with other costs (stored with the hash)', async () => {
    // N = 2^14 instead of 2^15: an older or cheaper hash still verifies.
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync('older password', salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const stored = `scrypt$14$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    await expect(verifyPassword('older password', stored)).resolves.toBe(true);
    await expect(verifyPassword('newer password', stored)).resolves.toBe(false);
  });

  it('spends the time of a verification on an unknown email too', async () => {
    const stored = await hashPassword('timing password');
    const time = async (fn: () => Promise<boolean>) => {
      const start = process.hrtime.bigint();
      await fn();
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    await verifyNothing('warm up');
    const real = await time(() => verifyPassword('wrong', stored));
    const none = await time(() => verifyNothing('wrong'));
    // Generous on a loaded machine: the same order of magnitude, not a fast path.
    expect(none).toBeGreaterThan(real / 5);
  });

  it('hashes secrets per purpose', () => {
    expect(secretHash('session', 'abc')).toMatch(/^[0-9a-f]{64}$/);
    expect(secretHash('session', 'abc')).not.toBe(secretHash('csrf', 'abc'));
    expect(secretHash('api-key', 'abc')).toBe(secretHash('api-key', 'abc'));
  });
});

describe('sign-in throttle', () => {
  it('allows `limit` failures per key in 15 minutes, then asks to wait until the oldest leaves the window', () => {
    const throttle = new SignInThrottle();
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfter(['email:a'], 3, t0 + i)).toBe(0);
      throttle.fail(['email:a', 'ip:1'], t0 + i);
    }
    expect(throttle.retryAfter(['email:a'], 3, t0 + 10)).toBe(900);
    expect(throttle.retryAfter(['email:b'], 3, t0 + 10)).toBe(0);
    expect(throttle.retryAfter(['email:b', 'ip:1'], 3, t0 + 10)).toBe(900);
    expect(throttle.retryAfter(['email:a'], 3, t0 + 15 * 60_000 + 1)).toBe(0);
    throttle.succeed(['email:a']);
    expect(throttle.retryAfter(['email:a'], 3, t0 + 20)).toBe(0);
  });
});
