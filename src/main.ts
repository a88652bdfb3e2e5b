import 'reflect-metadata';
import { loadConfiguration } from './config/configuration';
import { provideDevSecretFiles } from './config/dev-secrets';
import { ConfigError } from './config/env';

async function bootstrap(): Promise<void> {
  // Outside production: JWT secret and secrets key from DATA_DIR, made on the first start.
  const env = provideDevSecretFiles(process.env);
  // Every variable is read and checked here, once, before Nest starts.
  const configuration = loadConfiguration(env);
  // The app's modules load only now, so a bad variable is reported at once, not after loading them all.
  const [{ Logger }, { createApp }, { gracefulShutdown }] = await Promise.all([import('@nestjs/common'), import('./app.factory'), import('./graceful-shutdown')]);
  const { port, host } = configuration.app;
  const { graceSeconds } = configuration.shutdown;
  const app = await createApp(configuration);
  await app.listen(port, host);

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
  console.error(err instanceof ConfigError ? err.report() : err);
  process.exit(1);
});
