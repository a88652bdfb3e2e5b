import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { loadAppConfig } from './config/app.config';
import { ConfigError } from './config/env';
import { loadShutdownConfig } from './config/shutdown.config';
import { gracefulShutdown } from './graceful-shutdown';

async function bootstrap(): Promise<void> {
  const config = loadAppConfig();
  const { graceSeconds } = loadShutdownConfig();
  const app = await createApp();
  await app.listen(config.port, config.host);

  const logger = new Logger('Shutdown');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: no new requests; letting running deployments finish (up to ${graceSeconds}s)`);
    // A hook that never returns must not keep a stopped service half-alive until docker kills it.
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, (graceSeconds + 10) * 1000).unref();
    gracefulShutdown(app).then(
      () => {
        logger.log('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error(`shutdown failed: ${err instanceof Error ? err.stack : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

bootstrap().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(`configuration error: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
