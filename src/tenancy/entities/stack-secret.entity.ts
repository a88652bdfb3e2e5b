import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A secret of one script's stack: its name in the compose file and the swarm secret holding its current value. */
@Entity('stack_secrets')
export class StackSecret {
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id: number;

  @Column({ name: 'script_id', type: 'integer' })
  scriptId: number;

  @Column({ type: 'varchar', length: 24 })
  name: string;

  /** `<stack>_<name>_<random>`: swarm secrets are immutable, so each new value is a new secret. */
  @Column({ name: 'swarm_name', type: 'varchar', length: 64 })
  swarmName: string;

  @CreateDateColumn({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime' })
  updatedAt: Date;

  @Column({ name: 'updated_by', type: 'integer' })
  updatedBy: number;
}
