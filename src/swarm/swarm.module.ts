import { Module } from '@nestjs/common';
import { DockerAuth } from './docker-auth';
import { DockerCli } from './docker-cli';
import { SwarmObjectsService } from './swarm-objects.service';
import { SwarmService } from './swarm.service';

/** Everything that talks to the Docker engine. */
@Module({
  providers: [DockerCli, DockerAuth, SwarmService, SwarmObjectsService],
  exports: [DockerCli, DockerAuth, SwarmService, SwarmObjectsService],
})
export class SwarmModule {}
