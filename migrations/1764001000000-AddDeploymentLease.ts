import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * When the lease of a running deployment's stack lock ends (MySQL, the database's UTC clock): renewed by
 * its instance while it holds the lock; recovery only takes over a running deployment past this time.
 */
export class AddDeploymentLease1764001000000 implements MigrationInterface {
  name = 'AddDeploymentLease1764001000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('deployments', new TableColumn({ name: 'lease_expires_at', type: 'datetime', precision: 3, isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('deployments', 'lease_expires_at');
  }
}
