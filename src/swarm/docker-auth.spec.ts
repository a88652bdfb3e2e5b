import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerAuth } from './docker-auth';
import { DockerCli } from './docker-cli';

const LOGINS = [
  { host: '127.0.0.1:5000', username: 'alice', password: 'pw-one' },
  { host: 'docker.io', username: 'bob', password: 'pw-two' },
];

describe('DockerAuth: one private DOCKER_CONFIG per operation', () => {
  const auth = new DockerAuth({} as DockerCli);

  it('holds exactly the given logins in a 0700 directory with a 0600 config.json, removed afterwards', async () => {
    let seen = '';
    await auth.withRegistryAuth(LOGINS, async (dir) => {
      seen = dir;
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
      const { auths } = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      expect(Object.keys(auths).sort()).toEqual(['127.0.0.1:5000', 'https://index.docker.io/v1/']);
      expect(Buffer.from(auths['127.0.0.1:5000'].auth, 'base64').toString()).toBe('alice:pw-one');
    });
    expect(seen).toContain(`dds-docker-config-${process.pid}-`);
    expect(existsSync(seen)).toBe(false);
  });

  it('removes the directory when the operation fails', async () => {
    let seen = '';
    const failing = auth.withRegistryAuth(LOGINS, async (dir) => {
      seen = dir;
      throw new Error('docker failed');
    });
    await expect(failing).rejects.toThrow('docker failed');
    expect(existsSync(seen)).toBe(false);
  });

  it('gives concurrent operations separate directories', async () => {
    const dirs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a = auth.withRegistryAuth([LOGINS[0]], async (dir) => (dirs.push(dir), gate));
    const b = auth.withRegistryAuth([LOGINS[1]], async (dir) => {
      dirs.push(dir);
      expect(readFileSync(join(dir, 'config.json'), 'utf8')).not.toContain('127.0.0.1:5000');
    });
    await b;
    release();
    await a;
    expect(new Set(dirs).size).toBe(2);
  });

  it('checks a login with the password on stdin, never in the arguments', async () => {
    const run = jest.fn().mockResolvedValue({ exitCode: 0, stdout: '', stderr: '', lines: [] });
    await new DockerAuth({ run } as unknown as DockerCli).checkLogin(LOGINS[0], 5000);
    const [args, opts] = run.mock.calls[0];
    expect(args).toEqual(['login', '--username=alice', '--password-stdin', '--', '127.0.0.1:5000']);
    expect(JSON.stringify(args)).not.toContain('pw-one');
    expect(opts).toMatchObject({ input: 'pw-one', timeoutMs: 5000, configDir: expect.stringContaining('dds-docker-config-') });
  });

  it('at start removes directories left by processes that died, and keeps those of live ones', async () => {
    const dead = join(tmpdir(), 'dds-docker-config-2147483646-abc');
    const live = join(tmpdir(), `dds-docker-config-${process.ppid}-abc`);
    mkdirSync(dead, { recursive: true });
    mkdirSync(live, { recursive: true });
    try {
      await auth.onModuleInit();
      const left = readdirSync(tmpdir());
      expect(left).not.toContain('dds-docker-config-2147483646-abc');
      expect(left).toContain(`dds-docker-config-${process.ppid}-abc`);
    } finally {
      rmSync(dead, { recursive: true, force: true });
      rmSync(live, { recursive: true, force: true });
    }
  });
});
