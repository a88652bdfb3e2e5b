import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { createValidationPipe } from './common/validation';
import { AppConfiguration } from './config/configuration';
import { ConfigurationModule } from './config/configuration.module';
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
export class AppModule {
  /** The app with `configuration` (loaded once, at boot) behind every feature's config token. */
  static withConfiguration(configuration: AppConfiguration): DynamicModule {
    return { module: AppModule, imports: [ConfigurationModule.forRoot(configuration)] };
  }
}
