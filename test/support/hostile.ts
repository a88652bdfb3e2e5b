/**
 * fast-check arbitraries of hostile input for test/fuzz.e2e-spec.ts: values that have broken parsers,
 * shells, databases and terminals elsewhere, JSON texts of every bad shape, headers, query strings
 * and compose files.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { fixturePath, WebhookFixture } from '../fixtures/webhooks/fixtures';

/** A file a shell would create if any of these strings reached one; the test checks it never exists. */
export const SHELL_MARKER = `/tmp/dds-fuzz-shell-${process.pid}`;

/** Short enough for a URL or a header. */
export const HOSTILE_WORDS = [
  '', ' ', '0', '-1', '00', '1.5', '1e3', '0x1f', '1e308', 'NaN', 'Infinity', 'null', 'true', 'undefined', '[]', '{}',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  `$(touch ${SHELL_MARKER})`, `\`touch ${SHELL_MARKER}\``, `; touch ${SHELL_MARKER}`, `| touch ${SHELL_MARKER}`, `&& touch ${SHELL_MARKER}`,
  '--help', '-H', '--config=/tmp', '--password=x', '../../../../etc/passwd', '/etc/passwd', '..\\..\\windows', '.', '..',
  "' OR '1'='1", '"; DROP TABLE users; --', '%s%s%s%n', '{{7*7}}', '${7*7}', '<script>alert(1)</script>', '*', '?', '\\',
  '9'.repeat(16), '9'.repeat(40), '-9223372036854775809', 'a'.repeat(31), 'A', 'halo', 'all', 'never', 'semver:minor', 'regex:(a+)+$',
  'registry.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.7', 'alpine@sha256:xyz', `sha256:${'0'.repeat(64)}`, 'docker.io', '127.0.0.1:1',
];

/** Anything goes in a JSON string. */
export const HOSTILE_STRINGS = [
  ...HOSTILE_WORDS,
  '\u0000', 'a\u0000b', '\u202e', '\ud800', '\udfff', '😀', '栈', '\r\n\r\nX-Injected: 1', '\n', '\t', '\u2028',
  'x'.repeat(256), 'x'.repeat(4097), 'é'.repeat(70_000), `$(touch ${SHELL_MARKER})`.repeat(500),
];

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(0, -1, 1, 2, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, -1e308, 5e-324, 0.5, 1e21),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.constantFrom(...HOSTILE_WORDS), { maxLength: 5 }),
);

/** JSON text of a value, or a number literal JSON.stringify can never write; null often (optional is not nullable). */
export const hostileValueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.constant('null') },
  { weight: 1, arbitrary: fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '-0', `0.${'0'.repeat(400)}1`, '1'.repeat(400), '1E+2') },
);

const nested = (n: number, open: string, leaf: string, close: string) => open.repeat(n) + leaf + close.repeat(n);
const keys = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`;

/** The body issue 14 starts from: it answered 500 (the validation pipe overflowed the stack). */
export const DEEP_OBJECTS = nested(50_000, '{"a":', '1', '}');
export const DEEP_ARRAYS = nested(50_000, '[', '', ']');
/** One key past the limit (src/common/json-limits.ts): class-transformer is quadratic in an object's keys. */
export const WIDE_OBJECT = keys(1001);
/** An array where a DTO is expected: was validated as an object keyed by index, an error per element. */
export const ARRAY_OF_OBJECTS = `[${Array.from({ length: 30_000 }, () => '{}').join(',')}]`;
export const MANY_NUMBERS = `[${'1,'.repeat(200_000)}1]`;
/** As many keys as one object may have. */
export const WIDEST_OBJECT = keys(1000);
/** Just over the 1 MiB body limit. */
export const TOO_LARGE = JSON.stringify({ a: 'x'.repeat(1_100_000) });

/** Whole bodies of every bad shape (the limits are src/common/json-limits.ts: 64 levels, 1000 keys). */
export const HOSTILE_JSON_TEXTS = [
  DEEP_OBJECTS,
  DEEP_ARRAYS,
  nested(65, '{"a":', '1', '}'),
  nested(64, '{"a":', '1', '}'),
  nested(64, '[', '', ']'),
  WIDE_OBJECT,
  WIDEST_OBJECT,
  ARRAY_OF_OBJECTS,
  MANY_NUMBERS,
  JSON.stringify({ a: 'x'.repeat(900_000) }),
  TOO_LARGE,
  ' '.repeat(100_000),
  '{"__proto__":{"role":"ADMIN"}}',
  '{"constructor":{"prototype":{"role":"ADMIN"}}}',
  '{"a":1,"a":2,"username":"x","username":[]}',
  '1e400', '-0', '123456789012345678901234567890', '"x"', '1', '0', 'null', 'true', 'false', '[]', '{}', '""', '[null]', '[[]]',
  '\ufeff{}', '{"a":"\\ud800"}', '{"\\u0000":1}', '{', '{"a":', '[1,]', "{'a':1}", 'NaN', '{"a":NaN}', '//\n{}', '{}{}', '{} x', '\u0000',
];

/** Bytes that are not UTF-8, or not text at all. */
export const rawBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.constantFrom(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('{"a":"\xf0\x9f"}', 'latin1')),
);

/** Header values as HTTP can carry them: visible ASCII, spaces, tabs and obs-text bytes. */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...HOSTILE_WORDS.filter((w) => /^[\t\x20-\x7e]*$/.test(w))),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 10 }),
  fc.constantFrom('x'.repeat(8000), `${'a'.repeat(30)}.${'b'.repeat(30)}.${'c'.repeat(30)}`),
);

export const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=latin1', 'application/json; charset=utf-16',
  'application/vnd.docker.distribution.events.v1+json', 'application/cloudevents+json', 'application/x.y+json; a=b',
  'text/plain', 'text/html', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream',
  '', ' ', 'json', 'application/', 'application/json, text/plain', 'application/jsonx', '*/*', ';;;',
];

const ACCEPT_LANGUAGES = ['en', 'zh', 'zh-CN,zh;q=0.9,en;q=0.8', 'en;q=abc', 'en;q=-1', '*', ',,,', `en;q=${'9'.repeat(300)}`, 'en'.repeat(2000)];

/** Headers registries send, and a few every server sees. */
export const HEADER_NAMES = [
  'x-github-event', 'x-github-delivery', 'x-hub-signature-256', 'x-hub-signature', 'x-gitea-event', 'x-gitea-signature', 'x-gitea-delivery',
  'x-forgejo-event', 'x-forgejo-signature', 'x-gogs-event', 'ce-type', 'ce-id', 'ce-source', 'ce-specversion', 'x-webhook-token',
  'x-webhook-secret', 'authorization', 'user-agent', 'x-forwarded-for', 'x-real-ip', 'last-event-id', 'origin', 'cookie', 'accept',
  'if-none-match', 'range', 'x-request-id', 'content-length', 'content-encoding', 'transfer-encoding', 'expect', 'host',
];

export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(fc.constantFrom(...HEADER_NAMES), headerValue, { maxKeys: 4 });
export const acceptLanguage: fc.Arbitrary<string | undefined> = fc.option(fc.oneof(fc.constantFrom(...ACCEPT_LANGUAGES), headerValue), { nil: undefined });

/** Encoded as a client would, or as raw bytes only a hostile client sends. */
export const urlPart = (values: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: values.map((v) => encodeURIComponent(v)) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%00', '%E0%A4%A', '%2e%2e', '%2F', '..', '.', '+', '%20', '%ff', 'a%2500') },
  );

export const queryString = (declared: string[]): fc.Arbitrary<string> =>
  fc
    .array(
      fc.tuple(
        urlPart(fc.oneof(fc.constantFrom(...declared, '__proto__', 'constructor', 'a[b]', 'a[]', 'token', 'source', ''), fc.string({ maxLength: 8 }))),
        fc.option(urlPart(fc.oneof(fc.constantFrom(...HOSTILE_WORDS), fc.string({ maxLength: 30 }), fc.integer().map(String))), { nil: undefined }),
      ),
      { maxLength: 6 },
    )
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&')}` : ''));

// Compose files ----------------------------------------------------------------------------------

const YAML_PIECES = [
  'services:', 'services: ', '\n', '\n  ', '\n    ', '  ', '- ', ': ', 'image: ', 'alpine', 'alpine:3', 'busybox@sha256:x', 'a:', 'b:',
  '{', '}', '[', ']', ',', '&a ', '*a', '<<: *a', '!!binary ', '!!python/object ', '!custom ', '"', "'", '|', '>', '#', '---', '...', '%YAML 1.2',
  '${X}', '$$', '${X:?boom}', 'ports:', '"80:80"', '- 80:80', 'deploy:', 'replicas: ', '99999999', '-1', 'privileged: true', 'volumes:',
  '/var/run/docker.sock:/var/run/docker.sock', '/:/host', 'network_mode: host', 'pid: host', 'cap_add: [ALL]', 'secrets:', 'configs:',
  'file: /etc/shadow', 'env_file: /etc/passwd', 'external: true', 'version: "3.9"', 'version: "2"', 'x-a: &a', 'environment:', 'labels:',
  'command: ', `["sh", "-c", "touch ${SHELL_MARKER}"]`, `$(touch ${SHELL_MARKER})`, '\t', '~', 'null', 'yes', 'no', '0o777', '.inf', '? ',
];

/** Text that is mostly YAML, often broken. */
export const yamlishText: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.constantFrom(...YAML_PIECES), { maxLength: 60 }).map((parts) => parts.join('')),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

const composeValue: fc.Arbitrary<unknown> = fc.oneof(hostileValue, fc.constantFrom('80:80', '30000:80', 'host', '/var/run/docker.sock:/var/run/docker.sock', 'ALL', true, 3, 100000));
/** A value of the right kind for the key, or (less often) anything. */
const kindOf = (right: fc.Arbitrary<unknown>) => fc.oneof({ weight: 3, arbitrary: right }, { weight: 1, arbitrary: composeValue });

const composeService: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    image: kindOf(fc.constantFrom('alpine:3', 'busybox', 'registry.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6', 'ghcr.io/acme-org/web@sha256:' + 'a'.repeat(64), '${IMAGE}')),
    ports: fc.array(kindOf(fc.constantFrom('30000:80', '30001:8080/udp', '80:80', '31000-31002:80')), { maxLength: 3 }),
    volumes: fc.array(kindOf(fc.constantFrom('data:/data', '/var/run/docker.sock:/var/run/docker.sock', '/:/host', '../x:/x')), { maxLength: 3 }),
    environment: kindOf(fc.oneof(fc.dictionary(fc.constantFrom('A', 'B_C', 'PATH', 'LD_PRELOAD'), fc.string({ maxLength: 10 }), { maxKeys: 3 }), fc.constant(['A=1', 'B']))),
    deploy: fc.record(
      { replicas: kindOf(fc.integer({ min: 0, max: 30 })), mode: kindOf(fc.constantFrom('replicated', 'global')), placement: fc.jsonValue({ maxDepth: 2 }), resources: fc.jsonValue({ maxDepth: 3 }) },
      { requiredKeys: [] },
    ),
    command: kindOf(fc.constantFrom('sleep 1', `sh -c "touch ${SHELL_MARKER}"`, ['sh', '-c', `touch ${SHELL_MARKER}`])),
    privileged: kindOf(fc.boolean()),
    network_mode: kindOf(fc.constantFrom('host', 'bridge', 'none')),
    cap_add: fc.array(kindOf(fc.constantFrom('NET_ADMIN', 'SYS_ADMIN', 'ALL')), { maxLength: 2 }),
    secrets: fc.array(kindOf(fc.constantFrom('db_password', 'x')), { maxLength: 2 }),
    labels: kindOf(fc.dictionary(fc.constantFrom('a', 'com.docker.stack.namespace', 'dds.owner'), fc.string({ maxLength: 10 }), { maxKeys: 2 })),
  },
  { requiredKeys: ['image'] },
);

/** A compose file as a structure: mostly the right keys, with hostile values, as YAML or as JSON. */
export const composeObjectText: fc.Arbitrary<string> = fc
  .tuple(
    fc.record(
      {
        version: kindOf(fc.constantFrom('3.9', '3.8', '2', '3.0', 3.9)),
        services: fc.oneof(
          { weight: 5, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom('web', 'halo', 'a'), fc.string({ maxLength: 12 })), composeService, { minKeys: 1, maxKeys: 3 }) },
          { weight: 1, arbitrary: hostileValue },
        ),
        volumes: kindOf(fc.constant({ data: {} })),
        networks: kindOf(fc.constantFrom({ default: {} }, { ext: { external: true } })),
        secrets: kindOf(fc.constant({ db_password: { external: true } })),
        configs: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: ['services'] },
    ),
    fc.boolean(),
  )
  .map(([compose, asJson]) => (asJson ? JSON.stringify(compose) : toYaml(compose)));

/** Nested past what yaml's parser takes (it refuses it on a stack overflow), with 100 MB of garbage on the way. */
export const DEEP_YAML = `services:\n  a:\n    image: alpine\n    x-deep: ${nested(20_000, '{a: ', '1', '}')}\n`;

/** YAML nested past what its parser and our walks take, and maps wider than any real file. */
export const HOSTILE_COMPOSE_TEXTS = [
  `services:\n  a:\n    image: alpine\n    labels: ${nested(20_000, '[', '', ']')}\n`,
  DEEP_YAML,
  `services:\n  a:\n    image: alpine\n    x-deep:\n${Array.from({ length: 200 }, (_, i) => `${' '.repeat(i + 6)}a:\n`).join('')}${' '.repeat(206)}a: 1\n`,
  'x: &a [1,1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nservices:\n  a:\n    image: alpine\n    x-z: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n',
  `services:\n  a:\n    image: alpine\n    environment:\n${Array.from({ length: 3000 }, (_, i) => `      K${i}: v\n`).join('')}`,
  'services:\n  a:\n    image: alpine\n    image: busybox\n',
  'services: !!binary aGVsbG8=\n',
  'services:\n  a: !!js/function "function(){}"\n',
  `services:\n  ${'a'.repeat(100_000)}:\n    image: alpine\n`,
  'x'.repeat(300_000),
];

// Webhook deliveries -----------------------------------------------------------------------------

export type Mutation = [number, 'set' | 'delete' | 'array' | 'wrap' | 'tag', unknown];

/** A fixture's body with a few of its values replaced, removed or wrapped, serialised as a registry would. */
export function mutatedDelivery(fixture: WebhookFixture, mutations: Mutation[], indent: number | undefined): string {
  const body = JSON.parse(readFileSync(fixturePath(fixture.file), 'utf8'));
  for (const [pick, action, value] of mutations) {
    const paths = pathsOf(body);
    if (!paths.length) break;
    const path = paths[pick % paths.length];
    const key = path[path.length - 1];
    const parent = path.slice(0, -1).reduce((o: any, k) => o[k], body);
    if (action === 'delete') Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key];
    else if (action === 'set') parent[key] = value;
    else if (action === 'array') parent[key] = [parent[key], value];
    else if (action === 'wrap') parent[key] = { [String(value).slice(0, 20)]: parent[key] };
    // A fresh tag: a delivery the replay check has not seen, so the rollout is asked for.
    else parent[key] = typeof parent[key] === 'string' && /tag|version|name/i.test(String(key)) ? `1.${pick % 1000}.${mutations.length}` : value;
  }
  return JSON.stringify(body, null, indent);
}

function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const path = [...prefix, Array.isArray(value) ? Number(k) : k];
    return [path, ...pathsOf(v, path)];
  });
}

/** The proofs every registry kind sends: signatures over the exact bytes, and the secret headers. */
export function signatureHeaders(raw: string | Buffer, secret: string): Record<string, string> {
  const hex = createHmac('sha256', secret).update(raw).digest('hex');
  return { 'x-hub-signature-256': `sha256=${hex}`, 'x-gitea-signature': hex, 'x-forgejo-signature': hex, 'x-webhook-secret': secret };
}
