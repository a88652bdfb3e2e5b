import { randomBytes } from 'node:crypto';
import { SecretCipher, SecretDecryptionError } from './secret-cipher';

const cipherWith = (key: Buffer, previousKeys: Buffer[] = []) => new SecretCipher({ key, previousKeys });

describe('SecretCipher', () => {
  const key = randomBytes(32);
  const cipher = cipherWith(key);

  it('round-trips, with a fresh IV every time and nothing of the plaintext in the stored form', () => {
    const a = cipher.encrypt('s3cret-Pässword', 'registry:1');
    const b = cipher.encrypt('s3cret-Pässword', 'registry:1');
    expect(a).not.toEqual(b);
    expect(a).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain('s3cret');
    expect(cipher.decrypt(a, 'registry:1')).toBe('s3cret-Pässword');
  });

  it('refuses a tampered ciphertext, tag or IV', () => {
    const stored = cipher.encrypt('value', 'ctx');
    const parts = stored.split('.');
    for (const i of [2, 3, 4]) {
      const bytes = Buffer.from(parts[i], 'base64url');
      bytes[0] ^= 1;
      const tampered = [...parts.slice(0, i), bytes.toString('base64url'), ...parts.slice(i + 1)].join('.');
      expect(() => cipher.decrypt(tampered, 'ctx')).toThrow(SecretDecryptionError);
    }
  });

  it('refuses a value moved to another context (another row)', () => {
    const stored = cipher.encrypt('value', 'registry-credential:1');
    expect(() => cipher.decrypt(stored, 'registry-credential:2')).toThrow(SecretDecryptionError);
  });

  it('refuses garbage and values under an unknown key', () => {
    expect(() => cipher.decrypt('plain text', 'ctx')).toThrow(SecretDecryptionError);
    expect(() => cipherWith(randomBytes(32)).decrypt(cipher.encrypt('value', 'ctx'), 'ctx')).toThrow(/neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS/);
  });

  it('rotation: a new key with the old one in previousKeys decrypts old values and says they need re-encryption', () => {
    const old = cipher.encrypt('value', 'ctx');
    const rotated = cipherWith(randomBytes(32), [key]);
    expect(rotated.decrypt(old, 'ctx')).toBe('value');
    expect(rotated.needsReencryption(old)).toBe(true);
    const fresh = rotated.encrypt('value', 'ctx');
    expect(rotated.needsReencryption(fresh)).toBe(false);
    expect(() => cipher.decrypt(fresh, 'ctx')).toThrow(SecretDecryptionError);
  });
});
