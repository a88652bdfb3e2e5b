import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError } from '../config/env';
import { loadDatabaseConfig } from '../config/database.config';
import { dataSourceOptions } from './data-source-options';
import { runMigrations } from './run-migrations';

/** `npm run migration:run` / `migration:revert` against DATABASE_URL (only the database's variables are read). */
async function main(command: string | undefined): Promise<void> {
  if (command !== 'run' && command !== 'revert') {
    console.error('usage: migration-cli run|revert');
    process.exit(2);
  }
  const dataSource = new DataSource(dataSourceOptions(loadDatabaseConfig(process.env)));
  await dataSource.initialize();
  try {
    if (command === 'run') {
      const applied = await runMigrations(dataSource);
      console.log(applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}` : 'no pending migrations');
    } else {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
    }
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv[2]).catch((err) => {
  console.error(err instanceof ConfigError ? err.report() : err);
  process.exit(1);
});
