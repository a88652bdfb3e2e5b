import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../common/app-error';
import { AuthUser } from '../../common/decorators/current-user.decorator';
import { Errors } from '../../common/error-codes';
import { DockerConfig, loadDockerConfig } from '../../config/docker.config';
import { DockerCli, DockerResult } from '../../swarm/docker-cli';
import { ComposeValidator } from './compose-validator';

const USER: AuthUser = { id: 2, username: 'bob', role: 'USER', sessionId: 1 };
const ADMIN: AuthUser = { id: 1, username: 'root', role: 'ADMIN', sessionId: 1 };
const PRIVILEGED = 'services:\n  web:\n    image: nginx:1\n    privileged: true\n';

function validator(env: Record<string, string> = {}): { v: ComposeValidator; docker: DockerCli } {
  const config: DockerConfig = loadDockerConfig(env);
  const docker = new DockerCli(config);
  return { v: new ComposeValidator(docker, config), docker };
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

const composeTempDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('dds-compose-'));

describe('ComposeValidator (with the real docker CLI)', () => {
  it('accepts a valid file and returns its images', async () => {
    const { v } = validator();
    await expect(v.validate('services:\n  web:\n    image: nginx:1\n', USER)).resolves.toMatchObject({
      images: [{ service: 'web', image: 'nginx:1', repository: 'docker.io/library/nginx' }],
    });
  });

  it("refuses what docker stack config refuses, with docker's own message", async () => {
    const { v } = validator();
    const err = await rejection(v.validate('services:\n  web:\n    image: nginx:1\n    bogus_key: 1\n', USER));
    expect(err.error).toBe(Errors.COMPOSE_REJECTED_BY_DOCKER);
    expect(err.message).toContain('services.web Additional property bogus_key is not allowed');
  });

  it('applies the policy to USERs only, and not at all with COMPOSE_POLICY=off', async () => {
    const err = await rejection(validator().v.validate(PRIVILEGED, USER));
    expect(err.error).toBe(Errors.COMPOSE_POLICY_VIOLATION);
    expect(err.message).toContain('services.web.privileged');
    expect(err.data).toEqual({ violations: [{ key: 'services.web.privileged', reason: expect.any(String) }] });

    await expect(validator().v.validate(PRIVILEGED, ADMIN)).resolves.toMatchObject({ serviceNames: ['web'] });
    await expect(validator({ COMPOSE_POLICY: 'off' }).v.validate(PRIVILEGED, USER)).resolves.toMatchObject({ serviceNames: ['web'] });
  });

  it('checks the policy before docker runs (docker reads env_file while validating)', async () => {
    const { v, docker } = validator();
    const run = jest.spyOn(docker, 'run');
    const err = await rejection(v.validate('services:\n  web:\n    image: x\n    env_file: /etc/shadow\n', USER));
    expect(err.error).toBe(Errors.COMPOSE_POLICY_VIOLATION);
    expect(run).not.toHaveBeenCalled();
  });

  it('hands docker a 0600 file in a fresh temp directory and removes it afterwards', async () => {
    const { v, docker } = validator();
    const before = composeTempDirs();
    let seen: { mode: number; dirMode: number } | undefined;
    const realRun = docker.run.bind(docker);
    jest.spyOn(docker, 'run').mockImplementation(async (args, opts): Promise<DockerResult> => {
      const file = args[args.indexOf('-c') + 1];
      seen = { mode: statSync(file).mode & 0o777, dirMode: statSync(join(file, '..')).mode & 0o777 };
      return realRun(args, opts);
    });
    await v.validate('services:\n  web:\n    image: nginx:1\n', USER);
    expect(seen).toEqual({ mode: 0o600, dirMode: 0o700 });
    expect(composeTempDirs()).toEqual(before);
    await rejection(v.validate('services:\n  web:\n    image: nginx:1\n    bogus: 1\n', USER));
    expect(composeTempDirs()).toEqual(before);
  });

  it('skips only the docker step when the docker CLI is not installed', async () => {
    const { v } = validator({ DOCKER_BIN: '/nonexistent/docker' });
    await expect(v.validate('services:\n  web:\n    image: nginx:1\n    bogus_key: 1\n', ADMIN)).resolves.toMatchObject({ serviceNames: ['web'] });
    expect((await rejection(v.validate(PRIVILEGED, USER))).error).toBe(Errors.COMPOSE_POLICY_VIOLATION);
    expect((await rejection(v.validate('services: {}\n', USER))).error).toBe(Errors.COMPOSE_NO_SERVICES);
  });
});
