import { assertTestDatabaseUrl, assertTestServerUrl } from './databases';

describe('the e2e database guard', () => {
  it.each(['mysql://app:app@127.0.0.1:3306', 'mysql://app:app@localhost:3306/', 'mariadb://ci:pw@[::1]:3307/ci_test', 'mysql://app:app@127.0.0.1/TEST'])(
    'lets the suite use the server %s',
    (url) => expect(() => assertTestServerUrl(url)).not.toThrow(),
  );

  it.each([
    ['a database without "test" in its name', 'mysql://root:pw@127.0.0.1:3306/dds', /database "dds" \(E2E_MARIADB_URL\): its name must contain "test"/],
    ['another machine', 'mysql://app:app@db.example.com:3306', /must point at this machine/],
    ['another scheme', 'postgres://app:app@127.0.0.1:5432', /mysql:\/\/ or mariadb:\/\//],
    ['an unparsable URL', '127.0.0.1:3306', /unparsable/],
  ])('refuses E2E_MARIADB_URL naming %s', (_, url, message) => {
    expect(() => assertTestServerUrl(url)).toThrow(message);
  });

  it.each(['mysql://app:app@127.0.0.1:3306/dds_test_0a1b2c3d4e', 'mysql://app:app@127.0.0.1:40123/dds_test_x', 'sqlite:/tmp/dds-test-x/test.db'])(
    'lets an app use %s',
    (url) => expect(() => assertTestDatabaseUrl(url)).not.toThrow(),
  );

  it.each([
    ['no DATABASE_URL (it would inherit the shell’s)', undefined, /explicit DATABASE_URL/],
    ['a database without "test" in its name', 'mysql://app:app@127.0.0.1:3306/dds', /its name must contain "test"/],
    ['no database at all', 'mysql://app:app@127.0.0.1:3306', /database "" \(DATABASE_URL\)/],
    ['another machine', 'mysql://app:app@10.0.0.5:3306/dds_test_x', /must point at this machine/],
    ['a SQLite file without "test" in its name', 'sqlite:/tmp/dds-test-x/app.db', /database "app.db"/],
  ])('refuses to point an app at %s', (_, url, message) => {
    expect(() => assertTestDatabaseUrl(url)).toThrow(message);
  });
});
