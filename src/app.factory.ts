import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { AppError } from './common/app-error';
import { serveDashboard } from './dashboard/dashboard';
import { registerEnvelope } from './common/envelope';
import { answerFrameworkError } from './common/framework-errors';
import { chooseLogFormat, createLogger, logRequests, NestPinoLogger } from './common/logging';
import { Errors } from './common/error-codes';
import { brokenJsonLimit } from './common/json-limits';
import { AppConfiguration } from './config/configuration';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's bytes as received, for JSON bodies. */
    rawBody?: Buffer;
  }
}

/** Builds the app (adapter, logging, Swagger) with `configuration` from loadConfiguration; main.ts and the e2e tests both use it. */
export async function createApp(configuration: AppConfiguration): Promise<NestFastifyApplication> {
  const config = configuration.app;
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes, trustProxy: config.trustProxy, frameworkErrors: answerFrameworkError });
  const fastify = adapter.getInstance();
  // One JSON parser for application/json and the registries' vendor types (e.g. Docker
  // Distribution's application/vnd.docker.distribution.events.v1+json). Only JSON is accepted:
  // anything else is a 415. Parse errors are our own envelope error, not Fastify's.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  // The exact bytes stay on the request: registries sign them (src/webhooks/sender-proof.ts).
  // Nesting and width are checked before parsing: no route's code walks a hostile shape.
  fastify.addContentTypeParser(/^application\/([\w.-]+\+)?json(\s*;.*)?$/i, { parseAs: 'buffer' }, (req, body, done) => {
    req.rawBody = body as Buffer;
    if ((body as Buffer).length === 0) return done(null, undefined);
    const broken = brokenJsonLimit(body as Buffer);
    if (broken) return done(new AppError(broken === 'depth' ? Errors.JSON_TOO_DEEP : Errors.JSON_TOO_WIDE), undefined);
    parseJson(req, (body as Buffer).toString('utf8'), (err, value) => (err ? done(new AppError(Errors.MALFORMED_JSON), undefined) : done(null, value)));
  });

  registerEnvelope(fastify);
  const logger = createLogger(config.logLevel, { format: chooseLogFormat(config.logFormat, config.production, process.stdout.isTTY === true) });
  logRequests(fastify, logger);
  serveDashboard(fastify, logger);

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.withConfiguration(configuration), adapter, {
    bufferLogs: true,
    // Our content-type parser above is the only one; Nest's would replace it for application/json.
    bodyParser: false,
  });
  app.useLogger(new NestPinoLogger(logger));
  // Signals are handled in main.ts (gracefulShutdown): stop taking requests first, then the hooks.

  const openApi = new DocumentBuilder()
    .setTitle('docker-deploy-script')
    .setDescription(
      'Turns a container-registry push into a safe rolling update of a Docker Swarm service. ' +
        'Every response is `{code, message, data}`; `code` 0 is success. Send the access token from ' +
        '`POST /web/user/login` in the `authorization` header (raw or `Bearer <token>`).',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', in: 'header', name: 'authorization' })
    .build();
  // Built on the first request for it, not at start (cold start, see docs/performance.md).
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi), { jsonDocumentUrl: 'docs-json' });
  return app;
}
