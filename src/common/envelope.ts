import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { prefersEnglish, SUCCESS_MESSAGE } from './i18n';

/** Set on a reply whose body is final: an error envelope, or a raw answer such as /metrics. */
const FINAL = Symbol('envelope.final');
type Marked = FastifyReply & { [FINAL]?: boolean };

/** Sends `body` as it is, outside the envelope (Prometheus text, for instance). */
export function sendRaw(reply: FastifyReply, contentType: string, body: string): FastifyReply {
  (reply as Marked)[FINAL] = true;
  return reply.header('content-type', contentType).send(body);
}

/** Sends an error envelope built by the exception filter; it is not wrapped again. */
export function sendError(reply: FastifyReply, status: number, body: object): FastifyReply {
  (reply as Marked)[FINAL] = true;
  return reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
}

const successMessage = (request: FastifyRequest) =>
  prefersEnglish(request.headers['accept-language']) ? SUCCESS_MESSAGE.en : SUCCESS_MESSAGE.zh;

/** Swagger UI and the OpenAPI document are served as they are. */
const outsideTheApi = (request: FastifyRequest) => request.routeOptions.url?.startsWith('/docs') ?? false;

/**
 * Wraps every handler result as {code: 0, message: "成功", data}, in Fastify's reply hooks. A Nest
 * interceptor did this before, but Nest 11's interceptor chain (rxjs plus an AsyncResource per call)
 * cut the throughput of every route several times over on Node 20 (see `npm run bench`).
 * Objects are wrapped before serialisation; strings and empty bodies (which Fastify does not hand to
 * preSerialization) just before sending. Streams and hijacked replies (event streams) are untouched.
 */
export function registerEnvelope(fastify: FastifyInstance): void {
  fastify.addHook('preSerialization', (request, reply: Marked, payload, done) => {
    if (reply[FINAL] || outsideTheApi(request)) return done(null, payload);
    reply[FINAL] = true;
    done(null, { code: 0, message: successMessage(request), data: payload });
  });
  fastify.addHook('onSend', (request, reply: Marked, payload, done) => {
    if (reply[FINAL] || (payload !== undefined && typeof payload !== 'string') || outsideTheApi(request)) return done(null, payload);
    reply[FINAL] = true;
    reply.header('content-type', 'application/json; charset=utf-8');
    const body = payload === undefined ? { code: 0, message: successMessage(request) } : { code: 0, message: successMessage(request), data: payload };
    done(null, JSON.stringify(body));
  });
}
