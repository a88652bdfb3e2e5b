import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class AddWebhookDeliveries1764000700000 implements MigrationInterface {
  name = 'AddWebhookDeliveries1764000700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.options.type === 'mysql';
    const now = mysql ? 'CURRENT_TIMESTAMP(3)' : 'CURRENT_TIMESTAMP';

    // Every call of a script's webhook URL and what came of it (no headers, a body excerpt only).
    await queryRunner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'script_id', type: 'integer' },
          { name: 'received_at', type: 'datetime', precision: 3, default: now },
          { name: 'source', type: 'varchar', length: '20', isNullable: true },
          { name: 'delivery_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'proof', type: 'varchar', length: '20' },
          { name: 'repository', type: 'varchar', length: '255', isNullable: true },
          { name: 'tag', type: 'varchar', length: '128', isNullable: true },
          { name: 'digest', type: 'varchar', length: '100', isNullable: true },
          { name: 'decision', type: 'varchar', length: '24' },
          { name: 'reason', type: 'varchar', length: '500', isNullable: true },
          // No foreign key: the deployment's status is looked up when the log is read; one gone shows none.
          { name: 'deployment_id', type: 'integer', isNullable: true },
          { name: 'http_status', type: 'smallint' },
          { name: 'code', type: 'integer' },
          { name: 'payload', type: 'text', isNullable: true },
        ],
        // Unlike deployments (history kept with SET NULL), the log is only the script's: it goes with it.
        foreignKeys: [{ columnNames: ['script_id'], referencedTableName: 'scripts', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    // A script's log, newest first, and its replays: WHERE script_id = ? ...
    await queryRunner.createIndex('webhook_deliveries', new TableIndex({ name: 'idx_webhook_deliveries_script_received', columnNames: ['script_id', 'received_at'] }));
    // The retention sweep across all scripts: WHERE received_at < ?.
    await queryRunner.createIndex('webhook_deliveries', new TableIndex({ name: 'idx_webhook_deliveries_received', columnNames: ['received_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_deliveries');
  }
}
