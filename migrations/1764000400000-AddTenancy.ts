import { randomBytes } from 'node:crypto';
import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class AddTenancy1764000400000 implements MigrationInterface {
  name = 'AddTenancy1764000400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row: this installation's id, written onto every stack it deploys. Made here, once, so every
    // replica sharing the database uses the same one.
    await queryRunner.createTable(
      new Table({
        name: 'installation',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'installation_id', type: 'varchar', length: '32' },
          { name: 'created_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
        ],
      }),
    );
    await queryRunner.query('INSERT INTO installation (id, installation_id) VALUES (1, ?)', [randomBytes(12).toString('hex')]);

    // Stack secrets: names and the current swarm secret only; the value lives in the swarm's
    // encrypted store and nowhere here.
    await queryRunner.createTable(
      new Table({
        name: 'stack_secrets',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'script_id', type: 'integer' },
          { name: 'name', type: 'varchar', length: '24' },
          { name: 'swarm_name', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
          { name: 'updated_at', type: 'datetime', default: 'CURRENT_TIMESTAMP' },
          { name: 'updated_by', type: 'integer' },
        ],
        foreignKeys: [{ columnNames: ['script_id'], referencedTableName: 'scripts', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createIndex('stack_secrets', new TableIndex({ name: 'uq_stack_secrets_script_name', columnNames: ['script_id', 'name'], isUnique: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('stack_secrets');
    await queryRunner.dropTable('installation');
  }
}
