import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createConnection } from 'mysql2/promise';

export type E2eDatabase = 'sqlite' | 'mariadb';

/** Which database this e2e run targets: E2E_DB=sqlite (default) or E2E_DB=mariadb. */
export function e2eDatabase(): E2eDatabase {
  const value = process.env.E2E_DB ?? 'sqlite';
  if (value !== 'sqlite' && value !== 'mariadb') throw new Error(`E2E_DB must be sqlite or mariadb, got ${value}`);
  return value;
}

/** Server URL without a database: a user allowed to create and drop test databases. */
export const MARIADB_SERVER_URL = process.env.E2E_MARIADB_URL ?? 'mysql://app:app@127.0.0.1:3306';

const LOCAL_HOSTS = ['127.0.0.1', 'localhost', '::1', '[::1]'];

function parseMysqlUrl(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${what} must look like mysql://user:pass@127.0.0.1:3306, got an unparsable URL`);
  }
  if (!['mysql:', 'mariadb:'].includes(url.protocol)) throw new Error(`${what} must be a mysql:// or mariadb:// URL, got ${url.protocol}`);
  if (!LOCAL_HOSTS.includes(url.hostname)) throw new Error(`${what} must point at this machine (127.0.0.1), got ${url.hostname}`);
  return url;
}

function assertTestName(name: string, what: string): void {
  if (!/test/i.test(name)) throw new Error(`refusing to run e2e tests against database "${name}" (${what}): its name must contain "test"`);
}

/**
 * The server a person points the MariaDB suite at (E2E_MARIADB_URL), where it creates, migrates and
 * drops databases: this machine, and a database the URL names, if any, must be a test one. The suite
 * itself only ever creates and drops `dds_test_*` databases there.
 */
export function assertTestServerUrl(raw: string): URL {
  const url = parseMysqlUrl(raw, 'E2E_MARIADB_URL');
  const name = decodeURIComponent(url.pathname.slice(1));
  if (name) assertTestName(name, 'E2E_MARIADB_URL');
  return url;
}

/**
 * The database an app under test, or a dump, is pointed at: given explicitly (an app process would
 * otherwise inherit whatever DATABASE_URL the person's shell has), and a test one on this machine.
 */
export function assertTestDatabaseUrl(raw: string | undefined): void {
  if (!raw) throw new Error('an app under test needs an explicit DATABASE_URL, never one inherited from the environment');
  if (raw.startsWith('sqlite:')) return assertTestName(basename(raw.slice('sqlite:'.length)), 'DATABASE_URL');
  assertTestName(decodeURIComponent(parseMysqlUrl(raw, 'DATABASE_URL').pathname.slice(1)), 'DATABASE_URL');
}

export async function connectServer() {
  const url = assertTestServerUrl(MARIADB_SERVER_URL);
  try {
    return await createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    });
  } catch (err) {
    throw new Error(
      `MariaDB is not reachable at ${url.host} (${(err as Error).message}). Install and start it as .ci/run does: ` +
        `apt-get install mariadb-server, start mariadbd, and create the user: ` +
        `CREATE USER 'app'@'%' IDENTIFIED BY 'app'; GRANT ALL ON *.* TO 'app'@'%'.`,
    );
  }
}

/** A fresh, empty database for one app instance; returns its DATABASE_URL and a drop function. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (e2eDatabase() === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'dds-test-'));
    return { url: `sqlite:${join(dir, 'test.db')}`, drop: async () => undefined };
  }
  const name = `dds_test_${randomBytes(5).toString('hex')}`;
  const conn = await connectServer();
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.end();
  const server = new URL(MARIADB_SERVER_URL);
  return {
    url: `mysql://${server.username}:${server.password}@${server.host}/${name}`,
    drop: async () => {
      const c = await connectServer();
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

/** Every row of every table of a test database, as text (to prove what is not stored in clear). */
export async function dumpDatabase(url: string): Promise<string> {
  assertTestDatabaseUrl(url);
  if (url.startsWith('sqlite:')) {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      return tables.map(({ name }) => `${name}: ${JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all())}`).join('\n');
    } finally {
      db.close();
    }
  }
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const conn = await connectServer();
  try {
    await conn.query(`USE \`${name}\``);
    const [tables] = (await conn.query('SHOW TABLES')) as unknown as [Record<string, string>[]];
    const out: string[] = [];
    for (const row of tables) {
      const table = Object.values(row)[0];
      const [rows] = await conn.query(`SELECT * FROM \`${table}\``);
      out.push(`${table}: ${JSON.stringify(rows)}`);
    }
    return out.join('\n');
  } finally {
    await conn.end();
  }
}
