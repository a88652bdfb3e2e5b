import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { isolateSqliteTransactions } from './sqlite-transactions';

@Entity('notes')
class Note {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  text!: string;
}

/** Lets every other waiting callback run first: where another request's work would slip in. */
const yieldTurns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

async function openSqlite(isolated: boolean): Promise<DataSource> {
  const ds = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [Note] });
  if (isolated) isolateSqliteTransactions(ds);
  await ds.initialize();
  await ds.query('CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL)');
  return ds;
}

/** A transaction that fails after a write, a plain write and a transaction that commits, interleaved. */
async function interleave(ds: DataSource): Promise<string[]> {
  const failing = ds
    .transaction(async (tx) => {
      await tx.query("INSERT INTO notes (text) VALUES ('failed')");
      await yieldTurns();
      throw new Error('fails');
    })
    .catch(() => undefined);
  const plain = yieldTurns(1).then(() => ds.query("INSERT INTO notes (text) VALUES ('plain')"));
  const committing = yieldTurns(1).then(() =>
    ds.transaction(async (tx) => {
      await tx.query("INSERT INTO notes (text) VALUES ('committed')");
      await yieldTurns(5);
    }),
  );
  const saved = yieldTurns(2).then(() => ds.getRepository(Note).save({ text: 'saved' }));
  await Promise.all([failing, plain, committing, saved]);
  return (await ds.query('SELECT text FROM notes ORDER BY text')).map((r: { text: string }) => r.text);
}

describe('isolateSqliteTransactions', () => {
  it("keeps each caller's statements out of another's transaction", async () => {
    const ds = await openSqlite(true);
    try {
      expect(await interleave(ds)).toEqual(['committed', 'plain', 'saved']);
    } finally {
      await ds.destroy();
    }
  });

  it('is needed: without it, TypeORM mixes the same callers up on the one connection', async () => {
    const ds = await openSqlite(false);
    try {
      // The failed transaction's row stays; the committed one's and the save's are lost. If TypeORM
      // ever stops sharing one runner, this fails, and the isolation may be removed.
      expect(await interleave(ds)).toEqual(['failed', 'plain']);
    } finally {
      await ds.destroy();
    }
  });

  it('frees the connection after a commit that fails, once the caller rolls back', async () => {
    const ds = await openSqlite(true);
    try {
      await ds.query('CREATE TABLE parents (id INTEGER PRIMARY KEY)');
      await ds.query('CREATE TABLE children (parent_id INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)');
      await ds.query('PRAGMA foreign_keys = ON');
      // The deferred foreign key fails at COMMIT; TypeORM then rolls back.
      await expect(ds.transaction((tx) => tx.query('INSERT INTO children VALUES (42)'))).rejects.toThrow(/FOREIGN KEY/);
      await expect(ds.query('SELECT COUNT(*) AS n FROM children')).resolves.toEqual([{ n: 0 }]);
    } finally {
      await ds.destroy();
    }
  });

  it('lets a transaction nest in itself (a savepoint) without waiting for itself', async () => {
    const ds = await openSqlite(true);
    try {
      await ds.transaction(async (tx) => {
        await tx.query("INSERT INTO notes (text) VALUES ('outer')");
        await tx.transaction((inner) => inner.query("INSERT INTO notes (text) VALUES ('inner')"));
      });
      expect(await ds.query('SELECT text FROM notes ORDER BY id')).toEqual([{ text: 'outer' }, { text: 'inner' }]);
    } finally {
      await ds.destroy();
    }
  });

  it('leaves other databases alone', () => {
    const ds = new DataSource({ type: 'mysql', host: '127.0.0.1' });
    const before = ds.driver.createQueryRunner;
    isolateSqliteTransactions(ds);
    expect(ds.driver.createQueryRunner).toBe(before);
  });
});
