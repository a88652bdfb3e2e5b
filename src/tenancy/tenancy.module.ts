import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SwarmModule } from '../swarm/swarm.module';
import { Installation } from './entities/installation.entity';
import { StackSecret } from './entities/stack-secret.entity';
import { StackSecretStore } from './stack-secret-store';
import { StackOwnership } from './stack-ownership.service';

/** Which stacks on the shared swarm are whose, and the stacks' secrets. */
@Module({
  imports: [TypeOrmModule.forFeature([Installation, StackSecret]), SwarmModule],
  providers: [StackOwnership, StackSecretStore],
  exports: [StackOwnership, StackSecretStore],
})
export class TenancyModule {}
