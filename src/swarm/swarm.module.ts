import { Module } from '@nestjs/common';
import { DockerCli } from './docker-cli';
import { SwarmObjectsService } from './swarm-objects.service';
import { SwarmService } from './swarm.service';

/** Everything that talks to the Docker engine. */
@Module({
  providers: [DockerCli, SwarmService, SwarmObjectsService],
  exports: [DockerCli, SwarmService, SwarmObjectsService],
})
export class SwarmModule {}
