import { AppError } from '../../common/app-error';
import { Errors } from '../../common/error-codes';
import { MAX_COMPOSE_DEPTH } from './compose-depth';
import { hasInterpolation, MAX_COMPOSE_BYTES, parseComposeFile } from './compose-file';

function errorOf(content: string): AppError {
  try {
    parseComposeFile(content);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('parseComposeFile accepted the content');
}

describe('parseComposeFile', () => {
  it('returns the services in file order and their normalised images', () => {
    const compose = parseComposeFile(
      [
        'services:',
        '  web:',
        '    image: registry.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6',
        '  db:',
        '    image: mariadb:11',
        '  cache:',
        `    image: 127.0.0.1:5000/acme/redis@sha256:${'b'.repeat(64)}`,
      ].join('\n'),
    );
    expect(compose.serviceNames).toEqual(['web', 'db', 'cache']);
    expect(compose.images).toEqual([
      { service: 'web', image: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6', repository: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo' },
      { service: 'db', image: 'mariadb:11', repository: 'docker.io/library/mariadb' },
      { service: 'cache', image: `127.0.0.1:5000/acme/redis@sha256:${'b'.repeat(64)}`, repository: '127.0.0.1:5000/acme/redis' },
    ]);
  });

  it('applies YAML merge keys and anchors, as docker does', () => {
    const compose = parseComposeFile('x-base: &base\n  image: nginx:1\nservices:\n  web:\n    <<: *base\n    replicas: 2\n');
    expect(compose.services.web).toEqual({ image: 'nginx:1', replicas: 2 });
    expect(compose.images).toEqual([{ service: 'web', image: 'nginx:1', repository: 'docker.io/library/nginx' }]);
  });

  it('leaves an interpolated image out of the images (only known at deploy time)', () => {
    expect(parseComposeFile('services:\n  web:\n    image: ${IMAGE}\n').images).toEqual([]);
  });

  it('accepts exactly 256 KiB and refuses one byte more', () => {
    const head = 'services:\n  web:\n    image: x\n#';
    const exact = head + 'a'.repeat(MAX_COMPOSE_BYTES - head.length);
    expect(parseComposeFile(exact).serviceNames).toEqual(['web']);
    const err = errorOf(`${exact}a`);
    expect(err.error).toBe(Errors.COMPOSE_TOO_LARGE);
    expect(err.message).toContain(`${MAX_COMPOSE_BYTES + 1} bytes`);
  });

  it('counts bytes, not characters', () => {
    const head = 'services:\n  web:\n    image: x\n#';
    expect(errorOf(head + '好'.repeat(MAX_COMPOSE_BYTES / 3)).error).toBe(Errors.COMPOSE_TOO_LARGE);
  });

  it.each([
    ['services:\n  web: [\n', /Flow sequence|end with/, { line: 3, column: 1 }],
    ['services:\n  web:\n    image: a\n  web:\n    image: b\n', /unique/, { line: 4, column: 3 }],
    ['services:\n\tweb: {}\n', /tab|Tabs|indent/i, { line: 2, column: 1 }],
    ['a: "unterminated\n', /quote|Missing closing/i, { line: 2, column: 1 }],
    ['services:\n  web:\n    image: nginx\n    ports: [80\n  db: x\n', /Flow sequence|end with/, { line: 5, column: 3 }],
  ])('refuses invalid YAML %j with the parser message and where it is', (content, message, position) => {
    const err = errorOf(content);
    expect(err.error).toBe(Errors.COMPOSE_INVALID_YAML);
    expect(err.message).toMatch(message);
    expect(err.data).toEqual(position);
  });

  it.each([
    ['services:\n  web:\n    image: a\n    environment: {A: 1, B: 2, A: 3}\n', { line: 4, column: 31 }],
    ['services:\n  web:\n    image: a\n    labels:\n      "1": x\n      1: y\n      "1": z\n', { line: 7, column: 7 }],
  ])('refuses a key repeated in one map, flow or block, where it repeats: %j', (content, position) => {
    const err = errorOf(content);
    expect([err.error, err.message, err.data]).toEqual([Errors.COMPOSE_INVALID_YAML, expect.stringMatching(/Map keys must be unique/), position]);
  });

  it('checks a map as wide as the size limit allows for repeated keys in linear time', () => {
    const head = 'services:\n  web:\n    image: a\n    environment:\n';
    const lines: string[] = [];
    for (let i = 0, size = head.length; size + 40 < MAX_COMPOSE_BYTES; i++) size += (lines[i] = `      K${i}: v\n`).length;
    const started = Date.now();
    expect(parseComposeFile(head + lines.join('')).serviceNames).toEqual(['web']);
    expect(errorOf(`${head}${lines.join('')}      K7: again\n`).data).toEqual({ line: lines.length + 5, column: 7 });
    expect(Date.now() - started).toBeLessThan(5000); // yaml's own check: about 14 s for these two
  });

  it('refuses control characters YAML forbids, saying where', () => {
    const err = errorOf('services:\n  web:\n    image: "x\0"\n');
    expect(err.error).toBe(Errors.COMPOSE_INVALID_YAML);
    expect(err.message).toContain('U+0000');
    expect(err.data).toEqual({ line: 3, column: 14 });
    expect(errorOf('\x07services: {}\n').data).toEqual({ line: 1, column: 1 });
  });

  it('refuses a YAML alias bomb instead of expanding it', () => {
    let bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n';
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      bomb += `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
    }
    const err = errorOf(`${bomb}services:\n  web:\n    image: x\n`);
    expect(err.error).toBe(Errors.COMPOSE_INVALID_YAML);
    expect(err.message).toMatch(/alias/i);
  });

  /** `depth` collections, each the only item of the one outside it. */
  const nested = (depth: number, open: string, inner: string, close: string) => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
  /** A block map `a:` nested `depth` deep under a service, one more space of indentation each level. */
  const blockMaps = (depth: number) => Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 6)}a:`).join('\n') + ' 1\n';
  const service = 'services:\n  web:\n    image: nginx\n';

  it.each([
    ['10,000 flow sequences', `${service}    x-deep: ${nested(10_000, '[', '', ']')}\n`, 4],
    ['10,000 flow maps', `${service}    x-deep: ${nested(10_000, '{a: ', '1', '}')}\n`, 4],
    ['10,000 compact block sequences', `${service}    x-deep:\n      ${nested(10_000, '- ', '1', '')}\n`, 5],
    // x-deep's map is level 4, on line 5; level n is on line n + 1.
    ['block maps as deep as 256 KiB allows', `${service}    x-deep:\n${blockMaps(700)}`, MAX_COMPOSE_DEPTH + 2],
  ])('refuses %s as nested too deeply, before any recursive walk, saying where', (_, content, line) => {
    const err = errorOf(content);
    expect(err.error).toBe(Errors.COMPOSE_TOO_DEEP);
    expect(err.message).not.toMatch(/call stack/i);
    expect(err.message).toContain(`more than ${MAX_COMPOSE_DEPTH} levels`);
    expect(err.data).toEqual({ line, column: expect.any(Number) });
  });

  it(`accepts ${MAX_COMPOSE_DEPTH} levels of maps and sequences, counting the top-level map, and refuses one more`, () => {
    // The top-level map, services, web: 3 levels; x-deep holds the rest.
    const within = `${service}    x-deep: ${nested(MAX_COMPOSE_DEPTH - 3, '[', '', ']')}\n`;
    expect(parseComposeFile(within).serviceNames).toEqual(['web']);
    expect(errorOf(`${service}    x-deep: ${nested(MAX_COMPOSE_DEPTH - 2, '[', '', ']')}\n`).error).toBe(Errors.COMPOSE_TOO_DEEP);
  });

  it('counts the nesting aliases add, and refuses an alias inside its own anchor (a cycle) as nested too deeply', () => {
    // Each anchor is 21 levels deep in the text, but holds the one before it: 4 of them nest 85 deep.
    const chain = ['x0: &a0 [1]', ...Array.from({ length: 4 }, (_, i) => `x${i + 1}: &a${i + 1} ${nested(20, '[', `*a${i}`, ']')}`)].join('\n');
    expect(parseComposeFile(`${chain.split('\n').slice(0, 4).join('\n')}\n${service}`).serviceNames).toEqual(['web']);
    expect(errorOf(`${chain}\n${service}`).error).toBe(Errors.COMPOSE_TOO_DEEP);
    const cycle = errorOf('services: &s\n  web:\n    image: nginx\n    x-self: [*s]\n');
    expect(cycle.error).toBe(Errors.COMPOSE_TOO_DEEP);
    expect(cycle.message).not.toMatch(/call stack/i);
  });

  it.each([[''], ['# only a comment\n'], ['- a list\n'], ['just a string'], ['version: "3.8"\n'], ['services: []\n'], ['services: {}\n'], ['services: web\n']])(
    'refuses %j: no services map',
    (content) => {
      expect(errorOf(content).error).toBe(Errors.COMPOSE_NO_SERVICES);
    },
  );

  it('refuses a service that is not a map, naming it', () => {
    const err = errorOf('services:\n  web:\n');
    expect(err.error).toBe(Errors.COMPOSE_NO_SERVICES);
    expect(err.message).toContain('web');
  });

  it.each([
    ['services:\n  web:\n    build: .\n', /web has no image/],
    ['services:\n  web:\n    image: ""\n', /web has no image/],
    ['services:\n  web:\n    image: 42\n', /web has no image/],
    ['services:\n  api:\n    image: Pongsky/Halo:1\n', /api: image "Pongsky\/Halo:1" is not a valid image reference/],
    ['services:\n  api:\n    image: "nginx:"\n', /api: image "nginx:"/],
  ])('refuses a missing or invalid image %j', (content, message) => {
    const err = errorOf(content);
    expect(err.error).toBe(Errors.COMPOSE_IMAGE_INVALID);
    expect(err.message).toMatch(message);
  });
});

describe('hasInterpolation', () => {
  it.each([
    ['${HOME}', true],
    ['$HOME', true],
    ['a${X:-d}b', true],
    ['$$HOME', false],
    ['$$$HOME', true],
    ['cost: 5$', false],
    ['$1', false],
    ['plain', false],
  ])('%j -> %s', (s, expected) => {
    expect(hasInterpolation(s)).toBe(expected);
  });
});
