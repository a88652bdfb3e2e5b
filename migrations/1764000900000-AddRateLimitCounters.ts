import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** The login rate limits' counters, one row per key and window, shared by every instance on the database. */
export class AddRateLimitCounters1764000900000 implements MigrationInterface {
  name = 'AddRateLimitCounters1764000900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.options.type === 'mysql';
    await queryRunner.createTable(
      new Table({
        name: 'rate_limit_counters',
        columns: [
          // sha256 (hex) of the throttler's name and key: keys hold usernames and addresses, never stored in clear.
          { name: 'key_hash', type: mysql ? 'char' : 'character', length: '64', isPrimary: true },
          { name: 'hits', type: 'integer' },
          // Milliseconds since the epoch: the end of the window, or of the block once the limit is passed.
          { name: 'window_ends_at', type: 'bigint' },
        ],
      }),
    );
    // The sweep of ended windows: WHERE window_ends_at < ?.
    await queryRunner.createIndex('rate_limit_counters', new TableIndex({ name: 'idx_rate_limit_counters_window_ends', columnNames: ['window_ends_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('rate_limit_counters');
  }
}
