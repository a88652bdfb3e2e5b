import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NotificationsModule } from '../notifications/notifications.module';
import { RegistriesModule } from '../registries/registries.module';
import { ScriptsModule } from '../scripts/scripts.module';
import { SwarmModule } from '../swarm/swarm.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { DeploymentEvents } from './deployment-events';
import { DeploymentExecutor } from './deployment-executor';
import { DeploymentIntake } from './deployment-intake';
import { DeploymentMetrics } from './deployment-metrics';
import { DeploymentNotices } from './deployment-notices';
import { DeploymentRecovery } from './deployment-recovery';
import { DeploymentRunner } from './deployment-runner';
import { DeploymentStreams } from './deployment-streams';
import { DeploymentWaits } from './deployment-waits';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsService } from './deployments.service';
import { Deployment } from './entities/deployment.entity';
import { ManualDeploymentsService } from './manual-deployments.service';
import { ScriptOverviews } from './script-overviews';
import { ScriptOverviewsController } from './script-overviews.controller';
import { StackLocks } from './stack-locks';

/**
 * Every create/remove/update of a stack: recorded, queued per stack, run on the swarm, observable.
 * Also the GETs of scripts, which show their last deployment (ScriptsModule must not import this).
 */
@Module({
  imports: [TypeOrmModule.forFeature([Deployment]), SwarmModule, ScriptsModule, TenancyModule, RegistriesModule, NotificationsModule],
  controllers: [DeploymentsController, ScriptOverviewsController],
  providers: [
    DeploymentIntake,
    DeploymentRunner,
    DeploymentExecutor,
    DeploymentRecovery,
    DeploymentWaits,
    DeploymentStreams,
    DeploymentsService,
    DeploymentEvents,
    DeploymentMetrics,
    DeploymentNotices,
    StackLocks,
    ManualDeploymentsService,
    ScriptOverviews,
  ],
  exports: [DeploymentIntake, DeploymentWaits, DeploymentsService, ManualDeploymentsService],
})
export class DeploymentsModule {}
