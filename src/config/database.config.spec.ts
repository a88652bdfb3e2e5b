import { loadDatabaseConfig } from './database.config';
import { ConfigError } from './env';

const MYSQL_URL = 'mysql://app:secret@db:3306/dds';

describe('loadDatabaseConfig', () => {
  it('gives MySQL stack locks a 30 s lease by default', () => {
    expect(loadDatabaseConfig({ DATABASE_URL: MYSQL_URL })).toEqual({
      type: 'mysql',
      host: 'db',
      port: 3306,
      username: 'app',
      password: 'secret',
      database: 'dds',
      lockLeaseSeconds: 30,
    });
  });

  it('reads STACK_LOCK_LEASE_SECONDS', () => {
    expect(loadDatabaseConfig({ DATABASE_URL: MYSQL_URL, STACK_LOCK_LEASE_SECONDS: '12' })).toMatchObject({ lockLeaseSeconds: 12 });
  });

  it.each([['2', /between 3 and 3600/], ['3601', /between 3 and 3600/], ['1.5', /whole number/]])('refuses STACK_LOCK_LEASE_SECONDS=%s', (value, message) => {
    const env = { DATABASE_URL: MYSQL_URL, STACK_LOCK_LEASE_SECONDS: value };
    expect(() => loadDatabaseConfig(env)).toThrow(ConfigError);
    expect(() => loadDatabaseConfig(env)).toThrow(message);
  });

  it('has no lease for SQLite (one instance, the lock is in the process)', () => {
    expect(loadDatabaseConfig({ DATABASE_URL: 'sqlite:/tmp/dds.db' })).toEqual({ type: 'sqlite', path: '/tmp/dds.db' });
  });
});
