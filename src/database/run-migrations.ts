import type { DataSource, Migration } from 'typeorm';

const LOCK = 'dds:migrations';
const LOCK_WAIT_SECONDS = 120;

/**
 * Applies pending migrations, each in its own transaction. On MySQL, under a named lock: replicas
 * started together on one database would otherwise race to create the same tables, and the loser
 * would fail its start-up. SQLite serialises writers itself.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  if (dataSource.options.type !== 'mysql') return dataSource.runMigrations({ transaction: 'each' });
  const runner = dataSource.createQueryRunner();
  try {
    const [row] = await runner.query('SELECT GET_LOCK(?, ?) AS acquired', [LOCK, LOCK_WAIT_SECONDS]);
    if (Number(row?.acquired) !== 1) throw new Error(`another instance held the migration lock for ${LOCK_WAIT_SECONDS} s`);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT RELEASE_LOCK(?)', [LOCK]);
    }
  } finally {
    await runner.release();
  }
}
