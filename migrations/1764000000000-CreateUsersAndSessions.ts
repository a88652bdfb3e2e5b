import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateUsersAndSessions1764000000000 implements MigrationInterface {
  name = 'CreateUsersAndSessions1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          // 'integer' (not bigint): SQLite only auto-increments INTEGER PRIMARY KEY, and ids stay JS-safe.
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'username', type: 'varchar', length: '32', isUnique: true },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'phone', type: 'varchar', length: '20' },
          { name: 'role', type: 'varchar', length: '10' },
          { name: 'is_disable', type: 'smallint', default: 0 },
          { name: 'created_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
          { name: 'updated_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'user_id', type: 'integer' },
          // sha256 of the family key (constant for the login) and of the current rotating secret.
          { name: 'family_hash', type: 'varchar', length: '64' },
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'expires_at', type: 'datetime' },
          { name: 'revoked_at', type: 'datetime', isNullable: true },
          { name: 'revoked_reason', type: 'varchar', length: '32', isNullable: true },
          { name: 'created_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
          { name: 'rotated_at', type: 'datetime', isNullable: true },
        ],
        foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createIndex('sessions', new TableIndex({ name: 'idx_sessions_user', columnNames: ['user_id'] }));
    // One-off facts such as "the first admin was created"; a PRIMARY KEY insert decides races.
    await queryRunner.createTable(
      new Table({
        name: 'app_flags',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'created_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('app_flags');
    await queryRunner.dropTable('sessions');
    await queryRunner.dropTable('users');
  }
}
