import { Module } from '@nestjs/common';
import { DockerCli } from './docker-cli';

/** Everything that talks to the Docker engine. */
@Module({
  providers: [DockerCli],
  exports: [DockerCli],
})
export class SwarmModule {}
