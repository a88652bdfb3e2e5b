import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { ScriptsModule } from '../scripts/scripts.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { StackSecretsController } from './stack-secrets.controller';
import { StackSecretsService } from './stack-secrets.service';

/** Secrets for a script's stack, set through the API instead of files on this server. */
@Module({
  imports: [ScriptsModule, DeploymentsModule, TenancyModule],
  controllers: [StackSecretsController],
  providers: [StackSecretsService],
})
export class StackSecretsModule {}
