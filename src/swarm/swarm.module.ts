import { Module } from '@nestjs/common';
import { DockerCli } from './docker-cli';
import { SwarmService } from './swarm.service';

/** Everything that talks to the Docker engine. */
@Module({
  providers: [DockerCli, SwarmService],
  exports: [DockerCli, SwarmService],
})
export class SwarmModule {}
