import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfiguration } from './configuration';
import { provideDevSecretFiles } from './dev-secrets';
import { ConfigError } from './env';

const freshDataDir = () => join(mkdtempSync(join(tmpdir(), 'dds-dev-secrets-')), 'data');

describe('provideDevSecretFiles (boot step before loadConfiguration)', () => {
  it('outside production makes DATA_DIR/jwt-secret and DATA_DIR/secrets-key once (0600) and points the _FILE variables at them', () => {
    const dataDir = freshDataDir();
    const env = provideDevSecretFiles({ DATA_DIR: dataDir });
    expect(env).toEqual({ DATA_DIR: dataDir, JWT_SECRET_FILE: join(dataDir, 'jwt-secret'), SECRETS_KEY_FILE: join(dataDir, 'secrets-key') });
    for (const file of ['jwt-secret', 'secrets-key']) expect(statSync(join(dataDir, file)).mode & 0o777).toBe(0o600);

    const first = loadConfiguration(env);
    expect(first.auth.jwtSecret).toBe(readFileSync(join(dataDir, 'jwt-secret'), 'utf8'));
    expect(first.auth.jwtSecret.length).toBeGreaterThanOrEqual(64);
    expect(first.secrets.key).toEqual(Buffer.from(readFileSync(join(dataDir, 'secrets-key'), 'utf8'), 'base64'));
    expect(first.secrets.key).toHaveLength(32);

    // A restart keeps both.
    const again = loadConfiguration(provideDevSecretFiles({ DATA_DIR: dataDir }));
    expect(again.auth.jwtSecret).toBe(first.auth.jwtSecret);
    expect(again.secrets.key).toEqual(first.secrets.key);
  });

  it('leaves alone what the environment gives', () => {
    const dataDir = freshDataDir();
    const env = { DATA_DIR: dataDir, JWT_SECRET: 'given-given-given-given-given-given', SECRETS_KEY_FILE: '/run/secrets/key' };
    expect(provideDevSecretFiles(env)).toEqual(env);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('keeps an existing file', () => {
    const dataDir = freshDataDir();
    provideDevSecretFiles({ DATA_DIR: dataDir });
    writeFileSync(join(dataDir, 'jwt-secret'), 'kept-kept-kept-kept-kept-kept-kept-kept');
    expect(loadConfiguration(provideDevSecretFiles({ DATA_DIR: dataDir })).auth.jwtSecret).toBe('kept-kept-kept-kept-kept-kept-kept-kept');
  });

  it('makes nothing in production, where loadConfiguration then requires both', () => {
    const dataDir = freshDataDir();
    const env = { NODE_ENV: 'production', DATA_DIR: dataDir };
    expect(provideDevSecretFiles(env)).toBe(env);
    expect(existsSync(dataDir)).toBe(false);
    expect(() => loadConfiguration(env)).toThrow(/JWT_SECRET \(or JWT_SECRET_FILE\) is required when NODE_ENV=production\nSECRETS_KEY/);
  });

  it('names DATA_DIR when it cannot write there', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dds-dev-secrets-')), 'a-file');
    writeFileSync(file, '');
    expect(() => provideDevSecretFiles({ DATA_DIR: join(file, 'data') })).toThrow(ConfigError);
    expect(() => provideDevSecretFiles({ DATA_DIR: join(file, 'data') })).toThrow(/^DATA_DIR: cannot create .*a-file\/data\/jwt-secret: ENOTDIR/);
  });
});
