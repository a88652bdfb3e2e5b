import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { loadAuthConfig } from '../config/auth.config';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy';

const config = { ...loadAuthConfig({ JWT_SECRET: 'unit-test-secret-unit-test-secret-0123' }), scryptLogN: 12 };

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(config);

  it('stores a PHC string and verifies only the right password', async () => {
    const phc = await hasher.hash('correct horse battery');
    expect(phc).toMatch(/^\$scrypt\$ln=12,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    await expect(hasher.verify('correct horse battery', phc)).resolves.toBe(true);
    await expect(hasher.verify('correct horse batterY', phc)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hasher.hash('same password')).not.toBe(await hasher.hash('same password'));
  });

  it('verifies hashes made with other parameters (cost can be raised later)', async () => {
    const old = await new PasswordHasher({ ...config, scryptLogN: 10 }).hash('an older password');
    await expect(hasher.verify('an older password', old)).resolves.toBe(true);
  });

  it('rejects malformed stored hashes', async () => {
    await expect(hasher.verify('x', 'plaintext')).resolves.toBe(false);
  });

  it('uses the OWASP cost by default', () => {
    expect(loadAuthConfig({ JWT_SECRET: 'unit-test-secret-unit-test-secret-0123' }).scryptLogN).toBe(17);
  });
});

describe('PasswordPolicy', () => {
  const policy = new PasswordPolicy(config);
  const reason = (password: string, username = 'alice') => {
    try {
      policy.check(password, username);
      return undefined;
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).error).toBe(Errors.PASSWORD_TOO_WEAK);
      return (e as AppError).detail?.en;
    }
  };

  it('accepts a long, uncommon password', () => expect(reason('violet-otter-42')).toBeUndefined());
  it('refuses short passwords and says why', () => expect(reason('123456')).toMatch(/at least 8/));
  it('refuses common passwords', () => {
    expect(reason('password123')).toMatch(/common/);
    expect(reason('PASSWORD123')).toMatch(/common/);
    expect(reason('zzzzzzzzzz')).toMatch(/common/);
  });
  it('refuses the username as password', () => expect(reason('alicealice', 'AliceAlice')).toMatch(/username/));
  it('refuses absurdly long passwords', () => expect(reason('x'.repeat(200) + 'y')).toMatch(/at most/));
  it('honours a configured minimum', () => {
    const strict = new PasswordPolicy({ ...config, passwordMinLength: 12 });
    expect(() => strict.check('violet-otter', 'bob')).not.toThrow();
    expect(() => strict.check('violet-ott', 'bob')).toThrow(AppError);
  });
});
