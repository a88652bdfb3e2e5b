import { parseComposeFile } from './compose-file';
import { checkComposePolicy } from './compose-policy';

const web = (lines: string[], tail: string[] = []) =>
  checkComposePolicy(parseComposeFile(['services:', '  web:', '    image: nginx:1', ...lines.map((l) => `    ${l}`), ...tail].join('\n')));
const keys = (lines: string[], tail: string[] = []) => web(lines, tail).map((v) => v.key);

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
    const violations = web(lines);
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
      'secrets.pw.file',
      'secrets.env.environment',
      'networks.hostnet',
      'networks.old',
      'networks.host',
    ]);
  });

  it('sees settings brought in through merge keys', () => {
    const compose = parseComposeFile('x-evil: &evil\n  privileged: true\nservices:\n  web:\n    image: x\n    <<: *evil\n');
    expect(checkComposePolicy(compose).map((v) => v.key)).toEqual(['services.web.privileged']);
  });

  it('reports every violation of every service (up to 20)', () => {
    const compose = parseComposeFile(
      'services:\n  a:\n    image: x\n    privileged: true\n    pid: host\n  b:\n    image: y\n    cap_add: [ALL]\n    volumes: ["/:/h"]\n',
    );
    expect(checkComposePolicy(compose).map((v) => v.key)).toEqual(['services.a.privileged', 'services.a.pid', 'services.b.cap_add', 'services.b.volumes[0]']);
    const many = parseComposeFile(`services:\n${Array.from({ length: 30 }, (_, i) => `  s${i}: {image: x, privileged: true}`).join('\n')}\n`);
    expect(checkComposePolicy(many)).toHaveLength(20);
  });
});
