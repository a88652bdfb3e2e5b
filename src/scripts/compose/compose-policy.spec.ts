import { ComposeFile, parseComposeFile } from './compose-file';
import { checkComposePolicy, checkReplicaLimit, externalResourceNames, PolicyContext } from './compose-policy';

/** A context that lets nothing outside the stack through: each test opens what it needs. */
const ctx = (overrides: Partial<PolicyContext> = {}): PolicyContext => ({
  stack: 'app',
  isOwnResource: () => false,
  sharedNetworks: [],
  stackSecrets: [],
  portRange: { min: 30000, max: 32767 },
  ...overrides,
});
const webCompose = (lines: string[], tail: string[] = []): ComposeFile =>
  parseComposeFile(['services:', '  web:', '    image: nginx:1', ...lines.map((l) => `    ${l}`), ...tail].join('\n'));
const web = (lines: string[], tail: string[] = [], context = ctx()) => checkComposePolicy(webCompose(lines, tail), context);
const keys = (lines: string[], tail: string[] = [], context = ctx()) => web(lines, tail, context).map((v) => v.key);

describe('checkComposePolicy', () => {
  it('allows an ordinary stack with named volumes, ports, env and deploy settings', () => {
    expect(
      web(
        [
          'ports: ["8080:80", {published: 8443, target: 443, mode: host}]',
          'volumes: ["data:/var/lib/data", "/anonymous", {type: volume, source: logs, target: /logs}, {type: tmpfs, target: /tmp}]',
          'environment: {PRICE: "5$", LITERAL: "$${NOT_EXPANDED}"}',
          'privileged: false',
          'cap_drop: [ALL]',
          'security_opt: ["no-new-privileges:true"]',
          'deploy: {replicas: 2}',
        ],
        ['volumes:', '  data: {}', '  logs: {driver_opts: {type: nfs, o: "addr=10.0.0.1", device: ":/export"}}', 'networks:', '  front: {}'],
        // The range is exactly the two published ports, so both ends of it are allowed.
        ctx({ portRange: { min: 8080, max: 8443 } }),
      ),
    ).toEqual([]);
  });

  it.each([
    [['privileged: true'], 'services.web.privileged'],
    [['privileged: "yes"'], 'services.web.privileged'],
    [['network_mode: host'], 'services.web.network_mode'],
    [['network_mode: "container:abc"'], 'services.web.network_mode'],
    [['pid: host'], 'services.web.pid'],
    [['ipc: host'], 'services.web.ipc'],
    [['uts: host'], 'services.web.uts'],
    [['userns_mode: host'], 'services.web.userns_mode'],
    [['cap_add: [SYS_ADMIN]'], 'services.web.cap_add'],
    [['devices: ["/dev/sda:/dev/sda"]'], 'services.web.devices'],
    [['env_file: /etc/shadow'], 'services.web.env_file'],
    [['cgroup_parent: /'], 'services.web.cgroup_parent'],
    [['security_opt: ["seccomp=unconfined"]'], 'services.web.security_opt'],
    [['security_opt: ["apparmor:unconfined"]'], 'services.web.security_opt'],
    [['volumes: ["/:/host"]'], 'services.web.volumes[0]'],
    [['volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro"]'], 'services.web.volumes[0]'],
    [['volumes: ["./rel:/ctr"]'], 'services.web.volumes[0]'],
    [['volumes: ["../up:/ctr"]'], 'services.web.volumes[0]'],
    [['volumes: ["~/x:/ctr"]'], 'services.web.volumes[0]'],
    [['volumes: ["data:/d", "C:\\\\x:/ctr"]'], 'services.web.volumes[1]'],
    [['volumes: [{type: bind, source: /etc, target: /etc}]'], 'services.web.volumes[0]'],
    [['volumes: [{type: volume, source: /etc, target: /etc}]'], 'services.web.volumes[0]'],
    [['environment: {A: "${JWT_SECRET}"}'], 'services.web.environment.A'],
    [['command: ["sh", "-c", "echo $DATABASE_PASSWORD"]'], 'services.web.command[2]'],
  ])('refuses %j naming %s', (lines, key) => {
    const violations = web(lines, ['volumes:', '  data: {}']);
    expect(violations.map((v) => v.key)).toEqual([key]);
    expect(violations[0].reason).toEqual(expect.any(String));
  });

  it('refuses top-level volumes bound to host paths, file configs and secrets, and the host network', () => {
    expect(
      keys(
        ['networks: [hostnet]'],
        [
          'volumes:',
          '  root: {driver_opts: {type: none, o: bind, device: /}}',
          '  ro: {driver: local, driver_opts: {o: "ro,bind", device: /etc}}',
          'configs:',
          '  conf: {file: /app/data/jwt-secret}',
          '  ext: {external: true}',
          'secrets:',
          '  pw: {file: ./secret}',
          '  env: {environment: JWT_SECRET}',
          'networks:',
          '  hostnet: {external: true, name: host}',
          '  old: {external: {name: host}}',
          '  host: {external: true}',
        ],
      ),
    ).toEqual([
      'volumes.root.driver_opts',
      'volumes.ro.driver_opts',
      'configs.conf.file',
      'configs.ext',
      'secrets.pw.file',
      'secrets.env.environment',
      'networks.hostnet',
      'networks.old',
      'networks.host',
    ]);
  });

  it('sees settings brought in through merge keys', () => {
    const compose = parseComposeFile('x-evil: &evil\n  privileged: true\nservices:\n  web:\n    image: x\n    <<: *evil\n');
    expect(checkComposePolicy(compose, ctx()).map((v) => v.key)).toEqual(['services.web.privileged']);
  });

  it('reports every violation of every service (up to 20)', () => {
    const compose = parseComposeFile(
      'services:\n  a:\n    image: x\n    privileged: true\n    pid: host\n  b:\n    image: y\n    cap_add: [ALL]\n    volumes: ["/:/h"]\n',
    );
    expect(checkComposePolicy(compose, ctx()).map((v) => v.key)).toEqual(['services.a.privileged', 'services.a.pid', 'services.b.cap_add', 'services.b.volumes[0]']);
    const many = parseComposeFile(`services:\n${Array.from({ length: 30 }, (_, i) => `  s${i}: {image: x, privileged: true}`).join('\n')}\n`);
    expect(checkComposePolicy(many, ctx())).toHaveLength(20);
  });
});

describe('checkComposePolicy: swarm resources outside the stack', () => {
  const shared = ctx({ sharedNetworks: ['traefik-public'] });
  const ownDb = ctx({ isOwnResource: (name) => name.startsWith('db_') });

  it.each<[string, string[], PolicyContext, string[]]>([
    ['an own network', ['  front: {}'], ctx(), []],
    ['an own network with an empty value', ['  front:'], ctx(), []],
    ['external: false', ['  proxy: {external: false}'], ctx(), []],
    ['external: "no"', ['  proxy: {external: "no"}'], ctx(), []],
    ['external: true', ['  proxy: {external: true}'], ctx(), ['networks.proxy']],
    ['external: "yes"', ['  proxy: {external: "yes"}'], ctx(), ['networks.proxy']],
    ['external: "true"', ['  proxy: {external: "true"}'], ctx(), ['networks.proxy']],
    ['external: "on"', ['  proxy: {external: "on"}'], ctx(), ['networks.proxy']],
    ['external: {name} of another stack', ['  proxy: {external: {name: other_net}}'], shared, ['networks.proxy']],
    ['name: without external', ['  proxy: {name: other_net}'], shared, ['networks.proxy']],
    ['external + name of another stack', ['  proxy: {external: true, name: other_net}'], shared, ['networks.proxy']],
    ['an empty name (docker reads it as the key)', ['  proxy: {external: true, name: ""}'], shared, ['networks.proxy']],
    ['a shared network by its key', ['  traefik-public: {external: true}'], shared, []],
    ['a shared network by external: {name}', ['  proxy: {external: {name: traefik-public}}'], shared, []],
    ['a shared network by external + name', ['  proxy: {external: true, name: traefik-public}'], shared, []],
    ['a shared network by name: alone', ['  proxy: {name: traefik-public}'], shared, []],
    ['a shared network when none is configured', ['  traefik-public: {external: true}'], ctx(), ['networks.traefik-public']],
    ['an own stack network by external + name', ['  back: {external: true, name: db_backend}'], ownDb, []],
    ['an own stack network by name: alone', ['  back: {name: db_backend}'], ownDb, []],
    ['the key of an own stack network when the name is not', ['  db_backend: {external: true, name: other_net}'], ownDb, ['networks.db_backend']],
  ])('networks: %s', (_, lines, context, expected) => {
    expect(keys([], ['networks:', ...lines], context)).toEqual(expected);
  });

  it('says which networks are allowed instead', () => {
    expect(web([], ['networks:', '  proxy: {external: true}'])[0].reason).toBe(
      "joins the network proxy outside your stacks; only your own stacks' networks and the shared networks (none configured) are allowed",
    );
    expect(web([], ['networks:', '  proxy: {external: true}'], ctx({ sharedNetworks: ['traefik-public', 'edge'] }))[0].reason).toContain(
      'shared networks (traefik-public, edge) are allowed',
    );
  });

  it('refuses the host network even when it is listed as shared or owned', () => {
    const hostAllowed = ctx({ sharedNetworks: ['host'], isOwnResource: () => true });
    expect(web([], ['networks:', '  hostnet: {external: true, name: host}'], hostAllowed)).toEqual([
      { key: 'networks.hostnet', reason: 'the host network is not allowed' },
    ]);
  });

  it.each<[string, string[], PolicyContext, string[]]>([
    ['an own volume', ['  data: {}'], ctx(), []],
    ['an own volume with an empty value', ['  data:'], ctx(), []],
    ['external: true', ['  data: {external: true}'], ctx(), ['volumes.data']],
    ['external: "yes"', ['  data: {external: "yes"}'], ctx(), ['volumes.data']],
    ['external: {name} of another stack', ['  data: {external: {name: other_data}}'], ownDb, ['volumes.data']],
    ['name: without external', ['  data: {name: other_data}'], ownDb, ['volumes.data']],
    ['external + name of another stack', ['  data: {external: true, name: other_data}'], ownDb, ['volumes.data']],
    ['a shared network name (shared networks are not volumes)', ['  data: {external: true, name: traefik-public}'], shared, ['volumes.data']],
    ['an own stack volume by external: {name}', ['  data: {external: {name: db_data}}'], ownDb, []],
    ['an own stack volume by name: alone', ['  data: {name: db_data}'], ownDb, []],
    ['an own stack volume by external + name', ['  data: {external: true, name: db_data}'], ownDb, []],
    ['an own stack volume by its key', ['  db_data: {external: true}'], ownDb, []],
  ])('volumes: %s', (_, lines, context, expected) => {
    expect(keys([], ['volumes:', ...lines], context)).toEqual(expected);
  });

  it.each<[string, string, string[]]>([
    ['short syntax', '"data:/x"', []],
    ['short syntax with a mode', '"data:/x:ro"', []],
    ['long syntax', '{type: volume, source: data, target: /x}', []],
    ['long syntax without a type', '{source: data, target: /x}', []],
    ['an anonymous volume', '"/anonymous"', []],
    ['an anonymous long-syntax volume', '{type: volume, target: /x}', []],
    ['a tmpfs', '{type: tmpfs, target: /x}', []],
    ['an undeclared short-syntax source', '"other_data:/x"', ['services.web.volumes[0]']],
    ['an undeclared short-syntax source with a mode', '"other_data:/x:ro"', ['services.web.volumes[0]']],
    ['an undeclared long-syntax source', '{type: volume, source: other_data, target: /x}', ['services.web.volumes[0]']],
    ['an undeclared long-syntax source without a type', '{source: other_data, target: /x}', ['services.web.volumes[0]']],
    ['a cluster volume group', '{type: cluster, source: "group:db", target: /x}', ['services.web.volumes[0]']],
    ['a declared cluster volume', '{type: cluster, source: data, target: /x}', ['services.web.volumes[0]']],
  ])('service volumes: %s', (_, volume, expected) => {
    expect(keys([`volumes: [${volume}]`], ['volumes:', '  data: {}'])).toEqual(expected);
  });

  it('says how to declare an undeclared volume source, once per mount', () => {
    expect(web(['volumes: ["data:/x", "other_data:/y", "/etc:/z"]'], ['volumes:', '  data: {}'])).toEqual([
      { key: 'services.web.volumes[1]', reason: "volume source other_data is not declared under the top-level volumes; declare it there to get this stack's own volume app_other_data" },
      { key: 'services.web.volumes[2]', reason: 'bind mount of the host path /etc is not allowed (named volumes are)' },
    ]);
    expect(keys(['volumes: ["data:/x"]'])).toEqual(['services.web.volumes[0]']);
  });

  it.each<[string, string[], string[]]>([
    ['an own config', ['  conf: {}'], []],
    ['external: true', ['  conf: {external: true}'], ['configs.conf']],
    ['external: "yes"', ['  conf: {external: "yes"}'], ['configs.conf']],
    ['external: {name}', ['  conf: {external: {name: db_conf}}'], ['configs.conf']],
    ['name: without external', ['  conf: {name: db_conf}'], ['configs.conf']],
    ['external + name', ['  conf: {external: true, name: db_conf}'], ['configs.conf']],
  ])('configs: %s (even when every resource counts as own)', (_, lines, expected) => {
    expect(keys([], ['configs:', ...lines], ctx({ isOwnResource: () => true }))).toEqual(expected);
  });

  it.each<[string, string[], PolicyContext, string[]]>([
    ['a stack secret by its key', ['  db: {external: true}'], ctx({ stackSecrets: ['db'] }), []],
    ['a stack secret by external: {name}', ['  db: {external: {name: db_password}}'], ctx({ stackSecrets: ['db_password'] }), []],
    ['a stack secret by external: "yes" + name', ['  db: {external: "yes", name: db_password}'], ctx({ stackSecrets: ['db_password'] }), []],
    ['a stack secret by name: alone', ['  db: {name: db_password}'], ctx({ stackSecrets: ['db_password'] }), []],
    ['external: true with no stack secrets', ['  db: {external: true}'], ctx(), ['secrets.db']],
    ['external: true, not a stack secret', ['  db: {external: true}'], ctx({ stackSecrets: ['api_key'] }), ['secrets.db']],
    ['a key that is a stack secret but a name that is not', ['  db: {external: true, name: jwt_secret}'], ctx({ stackSecrets: ['db'] }), ['secrets.db']],
    ['name: without external, not a stack secret', ['  db: {name: jwt_secret}'], ctx(), ['secrets.db']],
    ['an external secret when every resource counts as own', ['  db: {external: true}'], ctx({ isOwnResource: () => true }), ['secrets.db']],
  ])('secrets: %s', (_, lines, context, expected) => {
    expect(keys([], ['secrets:', ...lines], context)).toEqual(expected);
  });

  it('says how to set a stack secret', () => {
    expect(web([], ['secrets:', '  db: {external: true}'])[0].reason).toBe(
      'db is not a stack secret of this script; set it with PUT /web/user/script/{id}/secrets/{name}',
    );
  });

  it('still caps the list at 20', () => {
    const networks = Array.from({ length: 30 }, (_, i) => `  n${i}: {external: true}`);
    expect(web([], ['networks:', ...networks])).toHaveLength(20);
  });
});

describe('checkComposePolicy: published ports (allowed 30000-32767)', () => {
  it.each([
    ['80'],
    ['"80"'],
    ['"80/udp"'],
    ['"80-85"'],
    ['"30080:80"'],
    ['"30080:80/udp"'],
    ['"30080:80/SCTP"'],
    ['"127.0.0.1:30080:80"'],
    ['"0.0.0.0:30080:80/tcp"'],
    ['"[::1]:30080:80"'],
    ['"::1:30080:80"'],
    ['"30000:80"'],
    ['"32767:80"'],
    ['"30000-30005:80-85"'],
    ['"32760-32767:80"'],
    ['":80"'],
    ['"127.0.0.1::80"'],
    ['{target: 80}'],
    ['{target: 80, published: 30080, protocol: tcp, mode: host}'],
    ['{target: 80, published: "30080"}'],
    ['{target: 80, published: "30000-30005"}'],
    ['{target: 80, published: ""}'],
  ])('allows %s', (port) => {
    expect(keys([`ports: [${port}]`])).toEqual([]);
  });

  it.each([
    ['"8080:80"'],
    ['"8080:80/udp"'],
    ['"127.0.0.1:8080:80"'],
    ['"0.0.0.0:8080:80/tcp"'],
    ['"[::1]:8080:80"'],
    ['"29999:80"'],
    ['"32768:80"'],
    ['"0:80"'],
    ['"29995-30005:80-90"'],
    ['"32760-32768:80"'],
    ['{target: 80, published: 8080, protocol: tcp, mode: host}'],
    ['{target: 80, published: "8080"}'],
    ['{target: 80, published: "32760-32770"}'],
  ])('refuses %s outside the range', (port) => {
    const violations = web([`ports: [${port}]`]);
    expect(violations.map((v) => v.key)).toEqual(['services.web.ports[0]']);
    expect(violations[0].reason).toMatch(/^published (port \d+ is|ports \d+-\d+ are) outside the allowed range 30000-32767$/);
  });

  it.each([
    ['"http"'],
    ['"30080:http"'],
    ['"web:80"'],
    ['""'],
    ['"30080:80/icmp"'],
    ['"30080:80/udp/x"'],
    ['"30080:80/"'],
    ['"70000:80"'],
    ['"30005-30000:80"'],
    ['"30000-30005-30010:80"'],
    ['80.5'],
    ['true'],
    ['null'],
    ['[30080, 80]'],
    ['{target: 80, published: web}'],
    ['{target: 80, published: 30080.5}'],
    ['{target: 80, published: -1}'],
    ['{target: 80, published: [30080]}'],
  ])('refuses %s, which cannot be read', (port) => {
    const violations = web([`ports: [${port}]`]);
    expect(violations.map((v) => v.key)).toEqual(['services.web.ports[0]']);
    expect(violations[0].reason).toContain('cannot be read');
  });

  it('names each refused entry of each service, and leaves a ports value that is not a list to the schema check of docker', () => {
    const compose = parseComposeFile(
      ['services:', '  a: {image: x, ports: ["30080:80", "8080:81", ":82", "9000:83"]}', '  b: {image: y, ports: "30081:80"}'].join('\n'),
    );
    expect(checkComposePolicy(compose, ctx()).map((v) => v.key)).toEqual(['services.a.ports[1]', 'services.a.ports[3]']);
  });
});

describe('checkReplicaLimit', () => {
  it.each<[string, string[]]>([
    ['deploy: {replicas: 20}', []],
    ['deploy: {replicas: "20"}', []],
    ['deploy: {replicas: 21}', ['services.web.deploy.replicas']],
    ['deploy: {replicas: "21"}', ['services.web.deploy.replicas']],
    ['deploy: {replicas: 1e3}', ['services.web.deploy.replicas']],
    ['deploy: {mode: global}', []],
    ['deploy: {resources: {limits: {cpus: "0.5"}}}', []],
    ['command: ["true"]', []],
  ])('%s with max 20', (line, expected) => {
    expect(checkReplicaLimit(webCompose([line]), 20).map((v) => v.key)).toEqual(expected);
  });

  it('names every service over the limit, says the limit, and caps the list at 20', () => {
    const two = parseComposeFile('services:\n  a: {image: x, deploy: {replicas: 21}}\n  b: {image: x, deploy: {replicas: 3}}\n  c: {image: x, deploy: {replicas: 50}}\n');
    expect(checkReplicaLimit(two, 20)).toEqual([
      { key: 'services.a.deploy.replicas', reason: '21 replicas exceed the limit of 20 per service' },
      { key: 'services.c.deploy.replicas', reason: '50 replicas exceed the limit of 20 per service' },
    ]);
    const many = parseComposeFile(`services:\n${Array.from({ length: 30 }, (_, i) => `  s${i}: {image: x, deploy: {replicas: 99}}`).join('\n')}\n`);
    expect(checkReplicaLimit(many, 20)).toHaveLength(20);
  });
});

describe('externalResourceNames', () => {
  it('lists the real names of external and named volumes and networks, once each', () => {
    const compose = webCompose(
      [],
      [
        'volumes:',
        '  own: {}',
        '  empty:',
        '  notext: {external: false}',
        '  ext: {external: true}',
        '  old: {external: {name: db_data}}',
        '  named: {name: db_logs}',
        '  both: {external: true, name: db_data}',
        'networks:',
        '  default: {}',
        '  proxy: {external: true, name: traefik-public}',
        '  yes: {external: "yes"}',
        '  back: {name: db_backend}',
        'secrets:',
        '  s: {external: true}',
        'configs:',
        '  c: {external: true}',
      ],
    );
    expect(externalResourceNames(compose)).toEqual({ volumes: ['ext', 'db_data', 'db_logs'], networks: ['traefik-public', 'yes', 'db_backend'] });
  });

  it('lists nothing for a stack without top-level entries', () => {
    expect(externalResourceNames(webCompose([]))).toEqual({ volumes: [], networks: [] });
  });
});
