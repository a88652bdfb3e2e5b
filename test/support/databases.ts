import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

export function assertTestDatabaseName(name: string): void {
  if (!/test/i.test(name)) throw new Error(`refusing to run e2e tests against database "${name}": its name must contain "test"`);
}

export async function connectServer() {
  const url = new URL(MARIADB_SERVER_URL);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(url.hostname)) {
    throw new Error(`E2E_MARIADB_URL must point at this machine (127.0.0.1), got ${url.hostname}`);
  }
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
  assertTestDatabaseName(name);
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
  const name = new URL(url).pathname.slice(1);
  assertTestDatabaseName(name);
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
