import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateScripts1764000100000 implements MigrationInterface {
  name = 'CreateScripts1764000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Compose files may be 256 KiB: MySQL's TEXT holds 64 KiB, so use MEDIUMTEXT there.
    const bigText = queryRunner.connection.options.type === 'mysql' ? 'mediumtext' : 'text';
    await queryRunner.createTable(
      new Table({
        name: 'scripts',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'user_id', type: 'integer' },
          { name: 'service_name', type: 'varchar', length: '30', isUnique: true },
          { name: 'compose_content', type: bigText },
          { name: 'images', type: 'text' },
          { name: 'is_auto_update', type: 'smallint', default: 0 },
          { name: 'webhook_token', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
          { name: 'updated_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
          { name: 'created_by', type: 'integer' },
          { name: 'updated_by', type: 'integer' },
        ],
        foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    // The owner's list, newest first: WHERE user_id = ? ORDER BY id DESC.
    await queryRunner.createIndex('scripts', new TableIndex({ name: 'idx_scripts_user_id', columnNames: ['user_id', 'id'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('scripts');
  }
}
