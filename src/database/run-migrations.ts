import type { DataSource, Migration } from 'typeorm';
import { withNamedLock } from './named-locks';

const LOCK_WAIT_SECONDS = 120;
const MIGRATION_LOCK = {
  name: 'dds:migrations',
  waitSeconds: LOCK_WAIT_SECONDS,
  busy: () => new Error(`another instance held the migration lock for ${LOCK_WAIT_SECONDS} s`),
};

/**
 * Applies pending migrations, each in its own transaction. On MySQL, under a named lock: replicas
 * started together on one database would otherwise race to create the same tables, and the loser
 * would fail its start-up. SQLite serialises writers itself.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  if (dataSource.options.type !== 'mysql') return dataSource.runMigrations({ transaction: 'each' });
  return withNamedLock(dataSource, MIGRATION_LOCK, () => dataSource.runMigrations({ transaction: 'each' }));
}
