import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The one row naming this installation (see OWNER_LABELS). */
@Entity('installation')
export class Installation {
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'installation_id', type: 'varchar', length: 32 })
  installationId: string;
}
