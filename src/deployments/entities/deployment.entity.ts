import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** `adopt`: an ADMIN takes a stack deployed some other way into a script (labels only). */
export const DEPLOYMENT_ACTIONS = ['create', 'remove', 'update', 'adopt'] as const;
export type DeploymentAction = (typeof DEPLOYMENT_ACTIONS)[number];

export const DEPLOYMENT_TRIGGERS = ['manual', 'webhook'] as const;
export type DeploymentTrigger = (typeof DEPLOYMENT_TRIGGERS)[number];

export const DEPLOYMENT_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'rolled_back', 'superseded', 'interrupted'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** Statuses after which nothing changes any more. */
export const FINISHED_STATUSES: readonly DeploymentStatus[] = ['succeeded', 'failed', 'rolled_back', 'superseded', 'interrupted'];
export const isFinished = (status: DeploymentStatus) => FINISHED_STATUSES.includes(status);

/**
 * One create/remove/update of a stack: the queue entry while queued or running (so any instance
 * sharing the database can pick it up), and its history afterwards. The row keeps the stack name, so
 * the history stays readable when the script is deleted (script_id then becomes NULL).
 */
@Entity('deployments')
@Index('idx_deployments_script_id', ['scriptId', 'id'])
@Index('idx_deployments_status', ['status'])
export class Deployment {
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id: number;

  @Column({ name: 'script_id', type: 'integer', nullable: true })
  scriptId: number | null;

  /** The script owner; for a webhook that is who it acts for. */
  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  /** The stack name: the serialisation (lock) key. */
  @Column({ name: 'service_name', type: 'varchar', length: 30 })
  serviceName: string;

  @Column({ type: 'varchar', length: 16 })
  action: DeploymentAction;

  /** `trigger` is a reserved word in MySQL, hence the column name. */
  @Column({ name: 'trigger_source', type: 'varchar', length: 16 })
  trigger: DeploymentTrigger;

  /** The repository an update rolls to (without tag); null for create/remove. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  image: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  tag: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  digest: string | null;

  /** What the first target service ran before an update (set when it runs). */
  @Column({ name: 'previous_image', type: 'varchar', length: 512, nullable: true })
  previousImage: string | null;

  /** For webhook deployments, the registry whose push started it (a RegistryId: aliyun, github, harbor ...). */
  @Column({ type: 'varchar', length: 32, nullable: true })
  source: string | null;

  /** The swarm services an update targets, e.g. ["halo_halo"]. */
  @Column({ type: 'simple-json', nullable: true })
  services: string[] | null;

  @Column({ type: 'varchar', length: 16 })
  status: DeploymentStatus;

  /** The collapsed output, one line per line, the last MAX_STORED_LINES only (mediumtext on MySQL). */
  @Column({ type: 'text', nullable: true })
  output: string | null;

  /** How many lines the operation produced in all (more than stored when capped). */
  @Column({ name: 'line_count', type: 'integer', default: 0 })
  lineCount: number;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** The envelope code a failure answers with (see docs/errors.md). */
  @Column({ name: 'error_code', type: 'integer', nullable: true })
  errorCode: number | null;

  /** Set by the service at insert (millisecond precision on both databases). */
  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'started_at', type: 'datetime', precision: 3, nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt: Date | null;

  /**
   * MySQL: when the lease of the stack lock its instance holds ends, on the database's UTC clock
   * (see StackLocks). Never read into the entity: only SQL compares it.
   */
  @Column({ name: 'lease_expires_at', type: 'datetime', precision: 3, nullable: true, select: false })
  leaseExpiresAt?: Date | null;
}
