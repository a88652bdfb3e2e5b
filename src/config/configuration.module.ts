import { DynamicModule, Global, Module } from '@nestjs/common';
import { appConfig } from './app.config';
import { authConfig } from './auth.config';
import { AppConfiguration } from './configuration';
import { databaseConfig } from './database.config';
import { dockerConfig } from './docker.config';
import { metricsConfig } from './metrics.config';
import { notificationsConfig } from './notifications.config';
import { registriesConfig } from './registries.config';
import { secretsConfig } from './secrets.config';
import { shutdownConfig } from './shutdown.config';
import { tenancyConfig } from './tenancy.config';
import { webhooksConfig } from './webhooks.config';

/** Each part of AppConfiguration and the token services inject it by. */
const TOKENS: { [Part in keyof AppConfiguration]: { KEY: string | symbol } } = {
  app: appConfig,
  auth: authConfig,
  database: databaseConfig,
  docker: dockerConfig,
  metrics: metricsConfig,
  notifications: notificationsConfig,
  registries: registriesConfig,
  secrets: secretsConfig,
  shutdown: shutdownConfig,
  tenancy: tenancyConfig,
  webhooks: webhooksConfig,
};

/** Gives every module the configuration loaded at boot, one feature's part per token (`@Inject(authConfig.KEY)`). */
@Global()
@Module({})
export class ConfigurationModule {
  static forRoot(configuration: AppConfiguration): DynamicModule {
    const parts = Object.keys(TOKENS) as (keyof AppConfiguration)[];
    const providers = parts.map((part) => ({ provide: TOKENS[part].KEY, useValue: configuration[part] }));
    return { module: ConfigurationModule, providers, exports: providers.map((p) => p.provide) };
  }
}
