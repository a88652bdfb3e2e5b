import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { authConfig } from './auth.config';
import { loadConfiguration } from './configuration';
import { ConfigurationModule } from './configuration.module';
import { databaseConfig } from './database.config';
import { webhooksConfig } from './webhooks.config';

@Injectable()
class Consumer {
  constructor(
    @Inject(authConfig.KEY) readonly auth: ConfigType<typeof authConfig>,
    @Inject(databaseConfig.KEY) readonly database: ConfigType<typeof databaseConfig>,
    @Inject(webhooksConfig.KEY) readonly webhooks: ConfigType<typeof webhooksConfig>,
  ) {}
}

describe('ConfigurationModule', () => {
  it('gives each feature token its part of the configuration loaded at boot, the same objects', async () => {
    const configuration = loadConfiguration({ JWT_SECRET: 'module-spec-secret-module-spec-secret', SECRETS_KEY: 'cd'.repeat(32), DATABASE_URL: 'sqlite::memory:' });
    const moduleRef = await Test.createTestingModule({ imports: [ConfigurationModule.forRoot(configuration)], providers: [Consumer] }).compile();
    const consumer = moduleRef.get(Consumer);
    expect(consumer.auth).toBe(configuration.auth);
    expect(consumer.database).toBe(configuration.database);
    expect(consumer.webhooks).toBe(configuration.webhooks);
  });

  it('has no second way to load a feature config', () => {
    expect(() => authConfig()).toThrow(/comes from ConfigurationModule.forRoot/);
  });
});
