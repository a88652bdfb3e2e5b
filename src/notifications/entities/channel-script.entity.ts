import { Entity, PrimaryColumn } from 'typeorm';

/** A channel attached to one script: that script's deployments go there (instead of the defaults). */
@Entity('notification_channel_scripts')
export class ChannelScript {
  @PrimaryColumn({ name: 'channel_id', type: 'integer' })
  channelId: number;

  @PrimaryColumn({ name: 'script_id', type: 'integer' })
  scriptId: number;
}
