import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { sendRaw } from '../common/envelope';

/** The dashboard's pages (its client-side routes, web/src/router.ts); each answers with index.html. */
const DASHBOARD_PAGES = ['/', '/login', '/scripts', '/scripts/*', '/deployments', '/deployments/*', '/registries', '/channels', '/users'];

/**
 * Everything the page loads comes from this origin (no CDN); inline styles only because the component
 * library and the editor inject theirs at run time. The API and the event stream are same-origin fetches.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Webhook URLs carry their token in the query string: never hand page addresses to other sites.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** The compiled dashboard (`npm run build` writes it to dist/web), found from the package root. */
export function dashboardDirectory(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'web');
}

/**
 * Serves the dashboard from the app's own process: its pages answer with index.html (the client
 * routes from there), `/assets/` with the hashed, immutable bundles. Without a build, the pages stay
 * 404 and the log says how to build them; the API is unaffected either way.
 */
export function serveDashboard(fastify: FastifyInstance, logger: Logger): void {
  const dir = dashboardDirectory();
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) {
    logger.warn(`dashboard not built (no ${indexFile}): run "npm run build"; the API works without it`);
    return;
  }
  const html = readFileSync(indexFile, 'utf8');
  for (const url of DASHBOARD_PAGES) {
    fastify.get(url, (_request, reply) => {
      reply.headers(PAGE_HEADERS);
      return sendRaw(reply, 'text/html; charset=utf-8', html);
    });
  }
  void fastify.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    // File names carry a content hash: a browser never needs to ask again.
    immutable: true,
    maxAge: '365d',
    etag: false,
    lastModified: false,
    index: false,
    wildcard: true,
    setHeaders: (res) => res.header('x-content-type-options', 'nosniff'),
  });
}
