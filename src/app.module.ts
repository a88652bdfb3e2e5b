import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { createValidationPipe } from './common/validation';
import { appConfig } from './config/app.config';
import { authConfig } from './config/auth.config';
import { databaseConfig } from './config/database.config';
import { dockerConfig } from './config/docker.config';
import { metricsConfig } from './config/metrics.config';
import { notificationsConfig } from './config/notifications.config';
import { registriesConfig } from './config/registries.config';
import { secretsConfig } from './config/secrets.config';
import { shutdownConfig } from './config/shutdown.config';
import { tenancyConfig } from './config/tenancy.config';
import { webhooksConfig } from './config/webhooks.config';
import { DatabaseModule } from './database/database.module';
import { DeploymentsModule } from './deployments/deployments.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { RegistriesModule } from './registries/registries.module';
import { ScriptDeletionModule } from './scripts/deletion/script-deletion.module';
import { ScriptsModule } from './scripts/scripts.module';
import { StackSecretsModule } from './stack-secrets/stack-secrets.module';
import { UsersModule } from './users/users.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [appConfig, databaseConfig, authConfig, dockerConfig, metricsConfig, shutdownConfig, tenancyConfig, secretsConfig, registriesConfig, notificationsConfig, webhooksConfig] }),
    DatabaseModule,
    HealthModule,
    MetricsModule,
    AuthModule,
    UsersModule,
    ScriptsModule,
    DeploymentsModule,
    ScriptDeletionModule,
    WebhooksModule,
    StackSecretsModule,
    RegistriesModule,
    NotificationsModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
  ],
})
export class AppModule {}
