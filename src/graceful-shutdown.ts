import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Stops the app the way an orchestrator expects on SIGTERM, in this order:
 * 1. Stop taking requests: the listener closes at once; a request arriving on a kept-alive
 *    connection gets a 503 (Fastify's return503OnClosing); connections whose request has finished are
 *    closed right away instead of after the keep-alive timeout.
 * 2. app.close(): beforeApplicationShutdown hooks let running deployments finish (bounded by
 *    SHUTDOWN_GRACE_SECONDS) and mark the rest `interrupted`; in-flight requests finish; then
 *    onApplicationShutdown closes the database (TypeORM).
 * Nest's own enableShutdownHooks() is not used: it keeps serving during the hooks and ends by
 * re-raising the signal, which PID 1 in a container ignores, and which is not exit code 0.
 */
export async function gracefulShutdown(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const listenerClosed = fastify.close();
  const sweeper = setInterval(() => fastify.server.closeIdleConnections(), 200);
  try {
    // app.close() closes Fastify again; both calls settle together when the last request ends.
    await app.close();
    await listenerClosed;
  } finally {
    clearInterval(sweeper);
  }
}
