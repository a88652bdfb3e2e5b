import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ChannelType, NotificationEvent, NotificationLanguage } from '../notice';

/** A named place a user's deployment messages go to. */
@Entity('notification_channels')
export class NotificationChannel {
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  type: ChannelType;

  @Column({ type: 'varchar', length: 2 })
  language: NotificationLanguage;

  /** Comma-separated in a varchar (simple-array would be TEXT on MySQL). */
  @Column({ type: 'varchar', length: 255, transformer: { to: (v: NotificationEvent[]) => v.join(','), from: (v: string) => (v ? v.split(',') : []) } })
  events: NotificationEvent[];

  /** 1: used by the owner's scripts that have no channel attached. */
  @Column({ name: 'is_default', type: 'smallint', default: 0 })
  isDefault: number;

  /** SecretCipher output of the ChannelTarget JSON, bound to the owner. */
  @Column({ name: 'target_encrypted', type: 'text' })
  targetEncrypted: string;

  /** Where it delivers without the secret parts, e.g. `https://oapi.dingtalk.com/robot/send`. */
  @Column({ name: 'target_summary', type: 'varchar', length: 255 })
  targetSummary: string;

  @CreateDateColumn({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime' })
  updatedAt: Date;
}
