import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** Per script: a signing secret (encrypted), whether a registry must prove itself with it, and a tag policy. */
export class AddWebhookProof1764000800000 implements MigrationInterface {
  name = 'AddWebhookProof1764000800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('scripts', [
      new TableColumn({ name: 'signing_secret_encrypted', type: 'text', isNullable: true }),
      new TableColumn({ name: 'require_signature', type: 'smallint', default: 0 }),
      new TableColumn({ name: 'tag_policy', type: 'varchar', length: '200', default: "'all'" }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['tag_policy', 'require_signature', 'signing_secret_encrypted']) await queryRunner.dropColumn('scripts', column);
  }
}
