import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

export class AddNotifications1764000600000 implements MigrationInterface {
  name = 'AddNotifications1764000600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.options.type === 'mysql';
    const now = mysql ? 'CURRENT_TIMESTAMP(3)' : 'CURRENT_TIMESTAMP';

    // What a message says about an update: the image it replaced, and which registry's push started it.
    await queryRunner.addColumns('deployments', [
      new TableColumn({ name: 'previous_image', type: 'varchar', length: '512', isNullable: true }),
      new TableColumn({ name: 'source', type: 'varchar', length: '32', isNullable: true }),
    ]);

    await queryRunner.createTable(
      new Table({
        name: 'notification_channels',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'user_id', type: 'integer' },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'type', type: 'varchar', length: '16' },
          { name: 'language', type: 'varchar', length: '2' },
          { name: 'events', type: 'varchar', length: '255' },
          { name: 'is_default', type: 'smallint', default: 0 },
          // The URL (robot tokens live in it), signing secret or SMTP settings, encrypted as one.
          { name: 'target_encrypted', type: 'text' },
          // Where it delivers, with every secret part left out (shown by the API).
          { name: 'target_summary', type: 'varchar', length: '255' },
          { name: 'created_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
          { name: 'updated_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
        ],
        foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createIndex('notification_channels', new TableIndex({ name: 'uq_notification_channels_user_name', columnNames: ['user_id', 'name'], isUnique: true }));

    await queryRunner.createTable(
      new Table({
        name: 'notification_channel_scripts',
        columns: [
          { name: 'channel_id', type: 'integer', isPrimary: true },
          { name: 'script_id', type: 'integer', isPrimary: true },
        ],
        foreignKeys: [
          { columnNames: ['channel_id'], referencedTableName: 'notification_channels', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
          { columnNames: ['script_id'], referencedTableName: 'scripts', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
    await queryRunner.createIndex('notification_channel_scripts', new TableIndex({ name: 'idx_notification_channel_scripts_script', columnNames: ['script_id'] }));

    // The outbox: written in the transaction that records a deployment's state, delivered afterwards.
    await queryRunner.createTable(
      new Table({
        name: 'notification_deliveries',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'channel_id', type: 'integer' },
          { name: 'deployment_id', type: 'integer' },
          { name: 'service_name', type: 'varchar', length: '30' },
          { name: 'event', type: 'varchar', length: '16' },
          { name: 'status', type: 'varchar', length: '12' },
          { name: 'notice', type: 'text' },
          { name: 'fingerprint', type: 'varchar', length: '64', isNullable: true },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'next_attempt_at', type: 'datetime', precision: 3 },
          { name: 'lease_until', type: 'datetime', precision: 3, isNullable: true },
          { name: 'last_attempt_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'sent_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'response', type: 'varchar', length: '1000', isNullable: true },
          { name: 'created_at', type: 'datetime', precision: 3, default: now },
        ],
        foreignKeys: [{ columnNames: ['channel_id'], referencedTableName: 'notification_channels', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    // One message per channel, deployment and event: a second insert (a retried transaction, another replica) is refused.
    await queryRunner.createIndex('notification_deliveries', new TableIndex({ name: 'uq_notification_deliveries_event', columnNames: ['channel_id', 'deployment_id', 'event'], isUnique: true }));
    // The dispatcher's scan: WHERE status IN (...) AND next_attempt_at <= now.
    await queryRunner.createIndex('notification_deliveries', new TableIndex({ name: 'idx_notification_deliveries_due', columnNames: ['status', 'next_attempt_at'] }));
    // A stack's last messages on a channel (collapsing repeated failures).
    await queryRunner.createIndex('notification_deliveries', new TableIndex({ name: 'idx_notification_deliveries_stack', columnNames: ['channel_id', 'service_name', 'id'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('notification_deliveries');
    await queryRunner.dropTable('notification_channel_scripts');
    await queryRunner.dropTable('notification_channels');
    await queryRunner.dropColumn('deployments', 'source');
    await queryRunner.dropColumn('deployments', 'previous_image');
  }
}
