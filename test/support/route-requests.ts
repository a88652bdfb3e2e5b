/**
 * Requests for every route of the app's own Swagger document (test/fuzz.e2e-spec.ts): the routes,
 * and fast-check arbitraries of calls to them with arbitrary path parameters, query strings, headers,
 * callers and bodies, the bodies built from each DTO's real fields.
 */
import fc from 'fast-check';
import {
  acceptLanguage, composeObjectText, CONTENT_TYPES, extraHeaders, headerValue, HOSTILE_JSON_TEXTS, HOSTILE_WORDS, hostileValueText, queryString,
  rawBytes, urlPart, yamlishText,
} from './hostile';

export type Role = 'admin' | 'user' | 'victim';
/** Who asks: a live session of a role (its token looked up when the request is sent), or whatever the header says. */
export type Caller = { session: Role; bearer: boolean; tampered: boolean } | { header: string | undefined };
export interface FuzzRequest {
  method: string;
  url: string;
  caller: Caller;
  headers: Record<string, string | undefined>;
  payload?: string | Buffer;
}

interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  example?: unknown;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}
interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

export interface Route {
  method: string;
  /** As the document writes it: `/web/user/script/{scriptId}`. */
  template: string;
  params: string[];
  query: string[];
  body?: Schema;
  /** Every content type any of its answers is documented with. */
  produces: Set<string>;
  /** A documented 5xx means it runs docker or reaches a registry (deploys, removals, logins). */
  documents5xx: boolean;
}

export function routesOf(doc: OpenApiDocument): Route[] {
  return Object.entries(doc.paths).flatMap(([template, operations]) =>
    Object.entries(operations).map(([method, op]) => {
      const responses = Object.entries(op.responses ?? {});
      return {
        method: method.toUpperCase(),
        template,
        params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        body: op.requestBody?.content?.['application/json']?.schema,
        produces: new Set(responses.flatMap(([, r]) => Object.keys(r.content ?? {}))),
        documents5xx: responses.some(([status]) => Number(status) >= 500),
      };
    }),
  );
}

/** Stands for the victim's live refresh token in a generated body; replaced when sent. */
export const VICTIM_REFRESH_TOKEN = '@victim-refresh-token@';

export interface RequestContext {
  doc: OpenApiDocument;
  /** Path-parameter values naming this test's own expendable objects, and whose they are; any other id names nothing. */
  pools: Record<string, { value: string; owner?: Role }[]>;
  /** A registry host whose login works (the test's own). */
  registryHost: string;
  /** Starts every name the requests may create. */
  prefix: string;
}

export function requestArbitraries(ctx: RequestContext) {
  const resolve = (schema: Schema): Schema => (schema.$ref ? ctx.doc.components.schemas[schema.$ref.split('/').pop()!] : schema);

  const caller: fc.Arbitrary<Caller> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ session: fc.constantFrom<Role>('admin', 'user', 'victim'), bearer: fc.boolean(), tampered: fc.constant(false) }) },
    { weight: 1, arbitrary: fc.record({ session: fc.constantFrom<Role>('admin', 'user'), bearer: fc.boolean(), tampered: fc.constant(true) }) },
    { weight: 2, arbitrary: fc.record({ header: fc.option(fc.oneof(headerValue, headerValue.map((v) => `Bearer ${v}`)), { nil: undefined }) }) },
    { weight: 1, arbitrary: fc.constantFrom<Caller>({ header: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOjF9.' }, { header: 'Basic YWRtaW46YWRtaW4=' }, { header: 'Bearer' }) },
  );

  /** A value the DTO should take for this field: its example, an enum value, or one known to fit. */
  function fitting(name: string, schema: Schema, depth: number): fc.Arbitrary<unknown> {
    const s = resolve(schema);
    if (s.properties) return depth < 3 ? dtoObject(s, depth + 1).map((text) => JSON.parse(text)) : fc.constant({});
    const options: fc.Arbitrary<unknown>[] = [];
    if (s.example !== undefined) options.push(fc.constant(s.example));
    if (s.enum) options.push(fc.constantFrom(...s.enum));
    if (s.type === 'array' && s.items?.enum) options.push(fc.subarray(s.items.enum));
    if (s.type === 'boolean') options.push(fc.boolean());
    if (name === 'refreshToken') options.push(fc.constant(VICTIM_REFRESH_TOKEN));
    if (name === 'host') options.push(fc.constant(ctx.registryHost));
    if (name === 'serviceName' || name === 'username' || name === 'name') options.push(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/).map((n) => `${ctx.prefix}${n}`));
    if (name === 'dockerComposeContent') options.push(fc.constant('services:\n  web:\n    image: alpine:3\n'), composeObjectText, yamlishText);
    return options.length ? fc.oneof(...options) : fc.string({ maxLength: 20 });
  }

  /**
   * A DTO body as JSON text: one the DTO takes (from the Swagger examples), the same with one field
   * hostile or missing, or a soup of its fields with hostile values and unknown or repeated keys.
   */
  function dtoObject(schema: Schema, depth = 0): fc.Arbitrary<string> {
    type Entry = [string, string];
    const resolved = resolve(schema);
    const props = Object.entries(resolved.properties ?? {});
    const required = new Set(resolved.required ?? []);
    const present = (entries: (Entry | undefined)[]) => entries.filter((e): e is Entry => e !== undefined);
    const valid = fc
      .tuple(
        ...props.map(([name, prop]) => {
          const entry = fitting(name, prop, depth).map((v): Entry => [name, JSON.stringify(v) ?? 'null']);
          return required.has(name) ? entry : fc.option(entry, { freq: 2, nil: undefined });
        }),
      )
      .map(present);
    // The field left out, null, or hostile: optional is not nullable, and required is not optional.
    const bad = fc.oneof(fc.constant(undefined), fc.constant('null'), hostileValueText);
    const oneBad = fc.tuple(valid, fc.nat(), bad).map(([entries, pick, value]) => {
      const i = pick % Math.max(1, entries.length);
      return value === undefined ? entries.filter((_, j) => j !== i) : entries.map((e, j): Entry => (j === i ? [e[0], value] : e));
    });
    const soup = fc
      .tuple(
        fc.tuple(...props.map(([name]) => fc.option(hostileValueText.map((v): Entry => [name, v]), { nil: undefined }))),
        fc.array(fc.tuple(fc.oneof(fc.constantFrom(...HOSTILE_WORDS, ...props.map(([name]) => name)), fc.string({ maxLength: 10 })), hostileValueText), { maxLength: 3 }),
      )
      .map(([own, more]) => [...present(own), ...more]);
    return fc
      .oneof({ weight: 2, arbitrary: valid }, { weight: 3, arbitrary: oneBad }, { weight: 2, arbitrary: soup })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
  }

  /** A body for a route taking `dto` (or none): mostly DTO-shaped, else any JSON, hostile text or bytes. */
  const anyBody = (dto?: Schema): fc.Arbitrary<string | Buffer | undefined> =>
    fc.oneof(
      { weight: dto ? 8 : 0, arbitrary: dto ? dtoObject(dto) : fc.constant(undefined) },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_JSON_TEXTS) },
      { weight: 1, arbitrary: rawBytes },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );

  const contentType = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: fc.constant(undefined) });

  /** This test's own objects, except where a real id could deploy or remove something; else ids naming nothing. */
  function pathParam(route: Route, name: string): fc.Arbitrary<{ value: string; owner?: Role }> {
    const own = route.documents5xx ? [] : (ctx.pools[name] ?? []);
    const nothing = fc
      .oneof(fc.integer({ min: 1_000_000 }).map(String), fc.integer({ max: 0 }).map(String), fc.constantFrom(...HOSTILE_WORDS), fc.string({ maxLength: 20 }))
      .map((value) => ({ value }));
    return own.length ? fc.oneof(fc.constantFrom(...own), nothing) : nothing;
  }

  /**
   * A call of `route`: half of them clean but for the body and path (a live session, JSON, the
   * route's method), so bodies get past the guards; the rest with every part arbitrary.
   */
  function requestFor(route: Route): fc.Arbitrary<FuzzRequest> {
    const params = fc.tuple(
      ...route.params.map((name) =>
        pathParam(route, name).chain(({ value, owner }) => urlPart(fc.constant(value)).map((text) => ({ name, text, owner }))),
      ),
    );
    const path = params.map((parts) => parts.reduce((url, { name, text }) => url.replace(`{${name}}`, text), route.template));
    // The owner of the object named, when it is one of ours, else any live session.
    const session = params.chain((parts) => {
      const owner = parts.find((p) => p.owner)?.owner;
      return fc.record({ session: owner ? fc.constant(owner) : fc.constantFrom<Role>('admin', 'user', 'victim'), bearer: fc.constant(true), tampered: fc.constant(false) });
    });
    const clean = fc.record({
      method: fc.constant(route.method),
      path,
      query: fc.constant(''),
      caller: session as fc.Arbitrary<Caller>,
      contentType: fc.constant<string | undefined>('application/json'),
      language: fc.constant<string | undefined>(undefined),
      extra: fc.constant<Record<string, string>>({}),
      payload: anyBody(route.body),
    });
    const noisy = fc.record({
      method: fc.oneof({ weight: 12, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') }),
      path,
      query: queryString(route.query),
      caller,
      contentType,
      language: acceptLanguage,
      extra: extraHeaders,
      payload: anyBody(route.body),
    });
    return fc.oneof(clean, noisy).map(({ method, path: p, query, caller: c, contentType: type, language, extra, payload }) => ({
      method,
      url: p + query,
      // Logging out ends a session for good: only the expendable victim's.
      caller: 'session' in c && route.template.endsWith('/logout') ? { ...c, session: 'victim' as Role } : c,
      headers: { ...extra, 'content-type': type, 'accept-language': language },
      payload,
    }));
  }

  return { anyBody, requestFor };
}
