import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateDeployments1764000300000 implements MigrationInterface {
  name = 'CreateDeployments1764000300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Output keeps up to 2,000 lines: more than TEXT's 64 KiB on MySQL, so MEDIUMTEXT there.
    const mysql = queryRunner.connection.options.type === 'mysql';
    const bigText = mysql ? 'mediumtext' : 'text';
    // MySQL wants the default's precision to match DATETIME(3); SQLite has no CURRENT_TIMESTAMP(3).
    const now = mysql ? 'CURRENT_TIMESTAMP(3)' : 'CURRENT_TIMESTAMP';
    await queryRunner.createTable(
      new Table({
        name: 'deployments',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'script_id', type: 'integer', isNullable: true },
          { name: 'user_id', type: 'integer' },
          { name: 'service_name', type: 'varchar', length: '30' },
          { name: 'action', type: 'varchar', length: '16' },
          { name: 'trigger_source', type: 'varchar', length: '16' },
          { name: 'image', type: 'varchar', length: '255', isNullable: true },
          { name: 'tag', type: 'varchar', length: '128', isNullable: true },
          { name: 'digest', type: 'varchar', length: '100', isNullable: true },
          { name: 'services', type: 'text', isNullable: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'output', type: bigText, isNullable: true },
          { name: 'line_count', type: 'integer', default: 0 },
          { name: 'error', type: 'text', isNullable: true },
          { name: 'error_code', type: 'integer', isNullable: true },
          { name: 'created_at', type: 'datetime', precision: 3, default: now },
          { name: 'started_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'finished_at', type: 'datetime', precision: 3, isNullable: true },
        ],
        foreignKeys: [
          // History outlives the script (SET NULL; service_name stays); a deleted user takes theirs along.
          { columnNames: ['script_id'], referencedTableName: 'scripts', referencedColumnNames: ['id'], onDelete: 'SET NULL' },
          { columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
    // A script's history, newest first: WHERE script_id = ? ORDER BY id DESC.
    await queryRunner.createIndex('deployments', new TableIndex({ name: 'idx_deployments_script_id', columnNames: ['script_id', 'id'] }));
    // The queue (status = 'queued') and start-up recovery (status = 'running').
    await queryRunner.createIndex('deployments', new TableIndex({ name: 'idx_deployments_status', columnNames: ['status'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('deployments');
  }
}
