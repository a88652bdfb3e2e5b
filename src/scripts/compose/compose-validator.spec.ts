import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../common/app-error';
import { AuthUser } from '../../common/decorators/current-user.decorator';
import { Errors } from '../../common/error-codes';
import { DockerConfig, loadDockerConfig } from '../../config/docker.config';
import { loadTenancyConfig } from '../../config/tenancy.config';
import { DockerCli, DockerResult } from '../../swarm/docker-cli';
import { ComposeValidator } from './compose-validator';
import { PolicyContextReader } from './policy-context';

const USER: AuthUser = { id: 2, username: 'bob', role: 'USER', sessionId: 1 };
const ADMIN: AuthUser = { id: 1, username: 'root', role: 'ADMIN', sessionId: 1 };
const PRIVILEGED = 'services:\n  web:\n    image: nginx:1\n    privileged: true\n';

const TARGET = { stack: 'app', userId: USER.id };

/** The database's answers for the policy: no other stacks, no stack secrets (except `known`). */
const contextReader = (stackSecrets: string[] = []) =>
  ({
    read: async () => ({ stack: 'app', isOwnResource: () => false, sharedNetworks: [], stackSecrets, portRange: { min: 30000, max: 32767 } }),
    stackSecretNames: async () => stackSecrets,
  }) as unknown as PolicyContextReader;

function validator(env: Record<string, string> = {}, stackSecrets: string[] = []): { v: ComposeValidator; docker: DockerCli } {
  const config: DockerConfig = loadDockerConfig(env);
  const docker = new DockerCli(config);
  return { v: new ComposeValidator(docker, config, loadTenancyConfig(env), contextReader(stackSecrets)), docker };
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe('ComposeValidator (with the real docker CLI)', () => {
  // Without a docker CLI that has `stack config`, the validator skips docker's step (a test below proves
  // that on purpose) and most of these tests would pass having checked less: refuse to run instead.
  beforeAll(async () => {
    const file = 'services:\n  web:\n    image: nginx:1\n';
    const config = await validator().docker.run(['stack', 'config', '-c', '-'], { input: file }).catch((err: Error) => {
      throw new Error(`these tests need the docker CLI with \`docker stack config\` (PATH or DOCKER_BIN): ${err.message}`);
    });
    expect(config.stdout).toContain('image: nginx:1');
  });

  it('accepts a valid file and returns its images', async () => {
    const { v } = validator();
    await expect(v.validate('services:\n  web:\n    image: nginx:1\n', USER, TARGET)).resolves.toMatchObject({
      images: [{ service: 'web', image: 'nginx:1', repository: 'docker.io/library/nginx' }],
    });
  });

  it("refuses what docker stack config refuses, with docker's own message", async () => {
    const { v } = validator();
    const err = await rejection(v.validate('services:\n  web:\n    image: nginx:1\n    bogus_key: 1\n', USER, TARGET));
    expect(err.error).toBe(Errors.COMPOSE_REJECTED_BY_DOCKER);
    expect(err.message).toContain('services.web Additional property bogus_key is not allowed');
  });

  it('applies the policy to USERs only, and not at all with COMPOSE_POLICY=off', async () => {
    const err = await rejection(validator().v.validate(PRIVILEGED, USER, TARGET));
    expect(err.error).toBe(Errors.COMPOSE_POLICY_VIOLATION);
    expect(err.message).toContain('services.web.privileged');
    expect(err.data).toEqual({ violations: [{ key: 'services.web.privileged', reason: expect.any(String) }] });

    await expect(validator().v.validate(PRIVILEGED, ADMIN, TARGET)).resolves.toMatchObject({ serviceNames: ['web'] });
    await expect(validator({ COMPOSE_POLICY: 'off' }).v.validate(PRIVILEGED, USER, TARGET)).resolves.toMatchObject({ serviceNames: ['web'] });
  });

  it('checks the policy before docker runs (docker reads env_file while validating)', async () => {
    const { v, docker } = validator();
    const run = jest.spyOn(docker, 'run');
    const err = await rejection(v.validate('services:\n  web:\n    image: x\n    env_file: /etc/shadow\n', USER, TARGET));
    expect(err.error).toBe(Errors.COMPOSE_POLICY_VIOLATION);
    expect(run).not.toHaveBeenCalled();
  });

  it('hands docker a 0600 file in a fresh temp directory and removes it afterwards', async () => {
    const { v, docker } = validator();
    // The directories docker was handed (other test processes may use the same temp folder meanwhile).
    const seen: { dir: string; mode: number; dirMode: number }[] = [];
    const realRun = docker.run.bind(docker);
    jest.spyOn(docker, 'run').mockImplementation(async (args, opts): Promise<DockerResult> => {
      const file = args[args.indexOf('-c') + 1];
      const dir = join(file, '..');
      seen.push({ dir, mode: statSync(file).mode & 0o777, dirMode: statSync(dir).mode & 0o777 });
      return realRun(args, opts);
    });
    await v.validate('services:\n  web:\n    image: nginx:1\n', USER, TARGET);
    await rejection(v.validate('services:\n  web:\n    image: nginx:1\n    bogus: 1\n', USER, TARGET));
    expect(seen).toHaveLength(2);
    for (const { dir, mode, dirMode } of seen) {
      expect({ mode, dirMode, inTemp: dir.startsWith(join(tmpdir(), 'dds-compose-')), left: existsSync(dir) }).toEqual({ mode: 0o600, dirMode: 0o700, inTemp: true, left: false });
    }
  });

  it('skips only the docker step when the docker CLI is not installed', async () => {
    const { v } = validator({ DOCKER_BIN: '/nonexistent/docker' });
    await expect(v.validate('services:\n  web:\n    image: nginx:1\n    bogus_key: 1\n', ADMIN, TARGET)).resolves.toMatchObject({ serviceNames: ['web'] });
    expect((await rejection(v.validate(PRIVILEGED, USER, TARGET))).error).toBe(Errors.COMPOSE_POLICY_VIOLATION);
    expect((await rejection(v.validate('services: {}\n', USER, TARGET))).error).toBe(Errors.COMPOSE_NO_SERVICES);
  });

  it('refuses more replicas than USER_MAX_REPLICAS with its own code, for USERs only', async () => {
    const file = 'services:\n  web:\n    image: nginx:1\n    deploy: {replicas: 6}\n';
    const err = await rejection(validator({ USER_MAX_REPLICAS: '5' }).v.validate(file, USER, TARGET));
    expect(err.error).toBe(Errors.REPLICAS_LIMIT);
    expect(err.data).toEqual({ violations: [{ key: 'services.web.deploy.replicas', reason: expect.any(String) }] });
    await expect(validator({ USER_MAX_REPLICAS: '6' }).v.validate(file, USER, TARGET)).resolves.toMatchObject({ serviceNames: ['web'] });
    await expect(validator({ USER_MAX_REPLICAS: '5' }).v.validate(file, ADMIN, TARGET)).resolves.toMatchObject({ serviceNames: ['web'] });
  });

  it('allows a stack secret as an external secret, and says when the file version is too old for it', async () => {
    const file = (version: string) => `${version}services:\n  web:\n    image: nginx:1\n    secrets: [db]\nsecrets:\n  db: {external: true}\n`;
    expect((await rejection(validator().v.validate(file(''), USER, TARGET))).error).toBe(Errors.COMPOSE_POLICY_VIOLATION);
    await expect(validator({}, ['db']).v.validate(file(''), USER, TARGET)).resolves.toMatchObject({ serviceNames: ['web'] });
    await expect(validator({}, ['db']).v.validate(file('version: "3.8"\n'), USER, TARGET)).resolves.toMatchObject({ serviceNames: ['web'] });
    const old = await rejection(validator({}, ['db']).v.validate(file('version: "3.3"\n'), ADMIN, TARGET));
    expect(old.error).toBe(Errors.COMPOSE_REJECTED_BY_DOCKER);
    expect(old.message).toContain('3.5');
  });
});
