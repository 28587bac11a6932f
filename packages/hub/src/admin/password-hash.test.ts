import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PasswordHasher, passwordProblem, strongScryptParams } from './password-hash';

const cheap = { logN: 10, r: 8, p: 1 };

describe('PasswordHasher', () => {
  it('writes scrypt with its parameters, and the hash is what scrypt gives (independent oracle)', async () => {
    const hasher = new PasswordHasher(cheap);
    const stored = await hasher.hash('correct horse battery');
    expect(stored).toMatch(/^scrypt\$10\$8\$1\$/);
    const [, , , , salt, key] = (stored as string).split('$');
    const expected = scryptSync('correct horse battery', Buffer.from(salt as string, 'base64'), 32, {
      N: 1024,
      r: 8,
      p: 1,
    });
    expect(Buffer.from(key as string, 'base64')).toEqual(expected);
    expect(await hasher.verify('correct horse battery', stored as string)).toBe('ok');
    expect(await hasher.verify('correct horse batterY', stored as string)).toBe('wrong');
    expect(await hasher.verify('x', 'not a hash')).toBe('wrong');
    expect(await hasher.verify('x', 'scrypt$40$8$1$AAAA$AAAA')).toBe('wrong');
  });

  it('verifies with the parameters stored, not its own (old hashes keep working)', async () => {
    const stored = (await new PasswordHasher(cheap).hash('a long enough password')) as string;
    expect(await new PasswordHasher({ logN: 11, r: 8, p: 1 }).verify('a long enough password', stored)).toBe(
      'ok',
    );
  });

  it('the default is memory-hard: 128 MiB per hash', () => {
    expect(128 * 2 ** strongScryptParams.logN * strongScryptParams.r).toBe(128 * 1024 * 1024);
  });

  it('answers busy beyond its bound of work in flight', async () => {
    const hasher = new PasswordHasher(cheap, 1, 1);
    const answers = await Promise.all([hasher.hash('p1'), hasher.hash('p2'), hasher.hash('p3')]);
    expect(answers.filter((a) => a === 'busy')).toHaveLength(1);
    expect(await hasher.hash('p4')).not.toBe('busy');
  });
});

describe('passwordProblem', () => {
  it.each([
    ['short', 'anna', /at least 12/],
    ['anna.petrova', 'anna.petrova', /differ from the login/],
    ['aaaaaaaaaaaaaaaa', 'anna', /more different/],
    ['x'.repeat(257), 'anna', /at most 256/],
  ])('%s is refused', (password, login, reason) => {
    expect(passwordProblem(password, login)).toMatch(reason);
  });

  it('a decent password passes', () => {
    expect(passwordProblem('violet-tram-47-orbit', 'anna')).toBeNull();
  });
});
