import 'reflect-metadata';
import { createApp } from './app.factory';
import { loadAppConfig } from './config/app.config';
import { ConfigError } from './config/env';

async function bootstrap(): Promise<void> {
  const config = loadAppConfig();
  const app = await createApp();
  await app.listen(config.port, config.host);
}

bootstrap().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(`configuration error: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
