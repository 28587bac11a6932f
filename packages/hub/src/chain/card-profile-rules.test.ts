import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  birthMonthDay,
  cardProfilePatchSchema,
  newPhoneLookupKey,
  phoneHash,
  profileCompleteness,
} from './card-profile-rules';

describe('card profile rules', () => {
  it('hashes a phone with HMAC-SHA-256 under the chain key (checked against WebCrypto)', async () => {
    const key = newPhoneLookupKey();
    const cryptoKey = await webcrypto.subtle.importKey(
      'raw',
      Buffer.from(key, 'base64url'),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const mac = await webcrypto.subtle.sign('HMAC', cryptoKey, new TextEncoder().encode('+79161234567'));
    expect(phoneHash(key, '+79161234567')).toBe(Buffer.from(mac).toString('hex'));
    expect(phoneHash(newPhoneLookupKey(), '+79161234567')).not.toBe(phoneHash(key, '+79161234567'));
  });

  it('scores completeness by phone, name and birth date, and gives the rules only month and day', () => {
    expect(profileCompleteness({ phone: null, name: null, birthDate: null })).toBe(0);
    expect(profileCompleteness({ phone: '+7', name: null, birthDate: null })).toBe(33);
    expect(profileCompleteness({ phone: '+7', name: 'A', birthDate: null })).toBe(67);
    expect(profileCompleteness({ phone: '+7', name: 'A', birthDate: '2000-01-01' })).toBe(100);
    expect(birthMonthDay('1985-11-23')).toBe('11-23');
  });

  it('refuses a birth date that does not exist and groups a CSV could not hold', () => {
    expect(cardProfilePatchSchema.safeParse({ birthDate: '1990-02-30' }).success).toBe(false);
    expect(cardProfilePatchSchema.safeParse({ groups: ['a,b'] }).success).toBe(false);
    expect(
      cardProfilePatchSchema.safeParse({ groups: Array.from({ length: 33 }, (_, i) => `g${i}`) }).success,
    ).toBe(false);
    expect(cardProfilePatchSchema.parse({ name: '  Анна  ', birthDate: null })).toEqual({
      name: 'Анна',
      birthDate: null,
    });
  });
});
