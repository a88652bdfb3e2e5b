import { registerAs } from '@nestjs/config';

/**
 * One feature's config as an injection token, used as `@Inject(authConfig.KEY) config: ConfigType<typeof authConfig>`.
 * ConfigurationModule gives each token its part of the configuration loaded once at boot, so this
 * factory never runs: nothing reads the environment after loadConfiguration.
 */
export function featureConfig<T extends object>(name: string) {
  return registerAs(name, (): T => {
    throw new Error(`the ${name} config comes from ConfigurationModule.forRoot(loadConfiguration(env)), it is not loaded on its own`);
  });
}
