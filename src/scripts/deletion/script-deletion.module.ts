import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../../deployments/deployments.module';
import { TenancyModule } from '../../tenancy/tenancy.module';
import { ScriptsModule } from '../scripts.module';
import { ScriptDeletionController } from './script-deletion.controller';
import { ScriptDeletion } from './script-deletion.service';

/**
 * The DELETE of a script. A module of its own beside ScriptsModule: taking the stack down is a
 * deployment (recorded, queued per stack), and DeploymentsModule imports ScriptsModule.
 */
@Module({
  imports: [ScriptsModule, DeploymentsModule, TenancyModule],
  controllers: [ScriptDeletionController],
  providers: [ScriptDeletion],
})
export class ScriptDeletionModule {}
