import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class AddRegistryCredentials1764000500000 implements MigrationInterface {
  name = 'AddRegistryCredentials1764000500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'registry_credentials',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'scope', type: 'varchar', length: '24' },
          { name: 'user_id', type: 'integer', isNullable: true },
          { name: 'host', type: 'varchar', length: '255' },
          { name: 'username', type: 'varchar', length: '255' },
          { name: 'password_encrypted', type: 'text' },
          { name: 'created_by', type: 'integer' },
          { name: 'updated_by', type: 'integer' },
          { name: 'created_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
          { name: 'updated_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
          { name: 'last_used_at', type: 'datetime', isNullable: true },
          { name: 'last_use_ok', type: 'smallint', isNullable: true },
          { name: 'last_use_error', type: 'varchar', length: '500', isNullable: true },
        ],
        foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    // One credential per host and scope; the database refuses a second one, also under a race.
    await queryRunner.createIndex('registry_credentials', new TableIndex({ name: 'uq_registry_credentials_scope_host', columnNames: ['scope', 'host'], isUnique: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('registry_credentials');
  }
}
