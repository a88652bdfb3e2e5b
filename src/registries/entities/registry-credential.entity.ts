import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** `shared` (an ADMIN's, for every user) or `user:<id>`: one credential per scope and host. */
export type CredentialScope = 'shared' | `user:${number}`;

/** A login for one registry host. The password is only ever stored encrypted (SecretCipher). */
@Entity('registry_credentials')
export class RegistryCredential {
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id: number;

  @Column({ type: 'varchar', length: 24 })
  scope: CredentialScope;

  /** The owner; null for a shared credential. */
  @Column({ name: 'user_id', type: 'integer', nullable: true })
  userId: number | null;

  /** Normalised `host[:port]`, e.g. `registry.cn-hangzhou.aliyuncs.com`, `docker.io`. */
  @Column({ type: 'varchar', length: 255 })
  host: string;

  @Column({ type: 'varchar', length: 255 })
  username: string;

  /** SecretCipher output bound to scope and host. */
  @Column({ name: 'password_encrypted', type: 'text' })
  passwordEncrypted: string;

  @Column({ name: 'created_by', type: 'integer' })
  createdBy: number;

  @Column({ name: 'updated_by', type: 'integer' })
  updatedBy: number;

  @CreateDateColumn({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime' })
  updatedAt: Date;

  @Column({ name: 'last_used_at', type: 'datetime', nullable: true })
  lastUsedAt: Date | null;

  /** 1 when the last use worked, 0 when the registry refused or could not be reached; null before first use. */
  @Column({ name: 'last_use_ok', type: 'smallint', nullable: true })
  lastUseOk: number | null;

  @Column({ name: 'last_use_error', type: 'varchar', length: 500, nullable: true })
  lastUseError: string | null;
}
