import { AppConfig, readAppConfig } from './app.config';
import { AuthConfig, readAuthConfig } from './auth.config';
import { DatabaseConfig, readDatabaseConfig } from './database.config';
import { DockerConfig, readDockerConfig } from './docker.config';
import { Env, loadFeature } from './env';
import { MetricsConfig, readMetricsConfig } from './metrics.config';
import { NotificationsConfig, readNotificationsConfig } from './notifications.config';
import { readRegistriesConfig, RegistriesConfig } from './registries.config';
import { readSecretsConfig, SecretsConfig } from './secrets.config';
import { readShutdownConfig, ShutdownConfig } from './shutdown.config';
import { readTenancyConfig, TenancyConfig } from './tenancy.config';
import { readWebhooksConfig, WebhooksConfig } from './webhooks.config';

/** Everything the service is configured with, one typed part per feature; built once at boot. */
export interface AppConfiguration {
  app: AppConfig;
  auth: AuthConfig;
  database: DatabaseConfig;
  docker: DockerConfig;
  metrics: MetricsConfig;
  notifications: NotificationsConfig;
  registries: RegistriesConfig;
  secrets: SecretsConfig;
  shutdown: ShutdownConfig;
  tenancy: TenancyConfig;
  webhooks: WebhooksConfig;
}

/**
 * Reads and checks every variable once. Any bad one: a ConfigError naming each bad variable and why.
 * Outside production, run provideDevSecretFiles(env) first (main.ts does) or give JWT_SECRET and SECRETS_KEY.
 */
export function loadConfiguration(env: Env): AppConfiguration {
  return loadFeature(env, (reader) => {
    const app = readAppConfig(reader);
    return {
      app,
      auth: readAuthConfig(reader, app.production),
      database: readDatabaseConfig(reader, app.dataDir),
      docker: readDockerConfig(reader),
      metrics: readMetricsConfig(reader),
      notifications: readNotificationsConfig(reader),
      registries: readRegistriesConfig(reader),
      secrets: readSecretsConfig(reader, app.production),
      shutdown: readShutdownConfig(reader),
      tenancy: readTenancyConfig(reader),
      webhooks: readWebhooksConfig(reader),
    };
  });
}
