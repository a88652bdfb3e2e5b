import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';

export type BenchDb = 'sqlite' | 'mariadb';

const MARIADB = new URL(process.env.BENCH_MARIADB_URL ?? 'mysql://app:app@127.0.0.1:3306');

/** A fresh, empty database for one benchmark app; returns its DATABASE_URL. */
export async function freshDatabase(kind: BenchDb): Promise<string> {
  if (kind === 'sqlite') return `sqlite:${join(mkdtempSync(join(tmpdir(), 'dds-bench-')), 'bench.db')}`;
  const name = `dds_bench_${randomBytes(4).toString('hex')}`;
  const conn = await createConnection({ host: MARIADB.hostname, port: Number(MARIADB.port || 3306), user: MARIADB.username, password: MARIADB.password });
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.end();
  return `mysql://${MARIADB.username}:${MARIADB.password}@${MARIADB.host}/${name}`;
}

export async function dropDatabase(url: string): Promise<void> {
  if (!url.startsWith('mysql:')) return;
  const name = new URL(url).pathname.slice(1);
  const conn = await createConnection({ host: MARIADB.hostname, port: Number(MARIADB.port || 3306), user: MARIADB.username, password: MARIADB.password });
  await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await conn.end();
}

/**
 * Fills the scripts table straight through SQL up to `total` rows, spread over other users (the
 * bench user's own list stays the same size), so list/detail latency can be compared at 1k and 100k.
 */
export async function seedScripts(url: string, total: number): Promise<void> {
  const users = Math.max(1, Math.ceil(total / 100));
  const rows = (from: number, to: number) => {
    const out: unknown[][] = [];
    for (let i = from; i < to; i++) {
      out.push([i % users, `seed${i.toString(36).padStart(8, '0')}`, 'services:\n  app:\n    image: nginx:1\n', '[]', 0, randomBytes(32).toString('base64url')]);
    }
    return out;
  };
  const userRows = Array.from({ length: users }, (_, i) => [`seeduser${i}`, 'x', 'seed', '15159845510', 'USER', 1]);
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    const existing = (db.prepare("SELECT COUNT(*) AS n FROM scripts WHERE service_name LIKE 'seed%'").get() as { n: number }).n;
    const insertUser = db.prepare('INSERT OR IGNORE INTO users (username, password_hash, name, phone, role, is_disable) VALUES (?, ?, ?, ?, ?, ?)');
    const userIds: number[] = [];
    const insertScript = db.prepare(
      'INSERT INTO scripts (user_id, service_name, compose_content, images, is_auto_update, webhook_token, created_by, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    db.transaction(() => {
      for (const u of userRows) insertUser.run(...u);
      for (const u of userRows) userIds.push((db.prepare('SELECT id FROM users WHERE username = ?').get(u[0]) as { id: number }).id);
      for (const r of rows(existing, total)) {
        const userId = userIds[r[0] as number];
        insertScript.run(userId, r[1], r[2], r[3], r[4], r[5], userId, userId);
      }
    })();
    db.close();
    return;
  }
  const parsed = new URL(url);
  const conn = await createConnection({
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: parsed.username,
    password: parsed.password,
    database: parsed.pathname.slice(1),
  });
  const [[{ n: existing }]] = (await conn.query("SELECT COUNT(*) AS n FROM scripts WHERE service_name LIKE 'seed%'")) as any;
  await conn.query('INSERT IGNORE INTO users (username, password_hash, name, phone, role, is_disable) VALUES ?', [userRows]);
  const [ids] = (await conn.query("SELECT id FROM users WHERE username LIKE 'seeduser%' ORDER BY id")) as any;
  const byIndex = new Map<string, number>((ids as { id: number }[]).map((r, i) => [`seeduser${i}`, r.id]));
  const all = rows(Number(existing), total);
  for (let i = 0; i < all.length; i += 2000) {
    const batch = all.slice(i, i + 2000).map((r) => {
      const userId = byIndex.get(`seeduser${r[0]}`)!;
      return [userId, r[1], r[2], r[3], r[4], r[5], userId, userId];
    });
    await conn.query('INSERT INTO scripts (user_id, service_name, compose_content, images, is_auto_update, webhook_token, created_by, updated_by) VALUES ?', [batch]);
  }
  await conn.end();
}
