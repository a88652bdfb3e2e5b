import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EncryptionModule } from '../encryption/encryption.module';
import { StackSecret } from '../tenancy/entities/stack-secret.entity';
import { SwarmModule } from '../swarm/swarm.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { ComposeValidator } from './compose/compose-validator';
import { PolicyContextReader } from './compose/policy-context';
import { Script } from './entities/script.entity';
import { ScriptsController } from './scripts.controller';
import { ScriptsService } from './scripts.service';
import { StackStates } from './stack-states';

/** Saved stacks: their compose files, the commands shown with them and their webhook URLs. */
@Module({
  imports: [TypeOrmModule.forFeature([Script, StackSecret]), EncryptionModule, SwarmModule, TenancyModule],
  controllers: [ScriptsController],
  providers: [ScriptsService, StackStates, ComposeValidator, PolicyContextReader],
  exports: [ScriptsService, StackStates],
})
export class ScriptsModule {}
