import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { DEFAULT_TAG_POLICY, TAG_POLICY_MAX_LENGTH } from '../tag-policy';

/** One image reference found in the compose file, for matching webhooks to services. */
export interface ComposeImage {
  /** The compose service key, e.g. `web`; the swarm service is `<serviceName>_<service>`. */
  service: string;
  /** The image as written, e.g. `registry.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6`. */
  image: string;
  /** Normalised repository without tag or digest, e.g. `registry.cn-shanghai.aliyuncs.com/pongsky/halo`. */
  repository: string;
}

/** A saved stack: its name on the swarm, its compose file and whether webhooks may roll it. */
@Entity('scripts')
export class Script {
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  /** The swarm stack name; unique across all users (stack names are global on a swarm). */
  @Column({ name: 'service_name', type: 'varchar', length: 30, unique: true })
  serviceName: string;

  /** mediumtext on MySQL (TEXT stops at 64 KiB), text on SQLite: see the migration. */
  @Column({ name: 'compose_content', type: 'text' })
  composeContent: string;

  @Column({ name: 'images', type: 'simple-json' })
  images: ComposeImage[];

  @Column({ name: 'is_auto_update', type: 'smallint', default: 0 })
  isAutoUpdate: number;

  /** The webhook secret in the autoUpdateUrl (base64url, 256 bits); compared in constant time. */
  @Column({ name: 'webhook_token', type: 'varchar', length: 64 })
  webhookToken: string;

  /** A secret shared with the registry: the HMAC key for registries that sign, the expected header for those that send one. Encrypted (SecretCipher). */
  @Column({ name: 'signing_secret_encrypted', type: 'text', nullable: true })
  signingSecretEncrypted: string | null;

  /** 1: a delivery must carry a valid signature or secret header; the URL token alone is refused. */
  @Column({ name: 'require_signature', type: 'smallint', default: 0 })
  requireSignature: number;

  /** Which pushed tags may roll the stack (src/webhooks/tag-policy.ts): `all`, `never`, `semver:minor`, `glob:prod-*` ... */
  @Column({ name: 'tag_policy', type: 'varchar', length: TAG_POLICY_MAX_LENGTH, default: DEFAULT_TAG_POLICY })
  tagPolicy: string;

  @CreateDateColumn({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime' })
  updatedAt: Date;

  @Column({ name: 'created_by', type: 'integer' })
  createdBy: number;

  @Column({ name: 'updated_by', type: 'integer' })
  updatedBy: number;
}
