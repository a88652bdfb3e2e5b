import { writeFileSync, chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDockerConfig } from '../config/docker.config';
import { DockerAbortedError, DockerCli, DockerCliError, DockerTimeoutError, DockerUnavailableError } from './docker-cli';

/** A fake "docker" that is a real process: bash running the script given as its first argument. */
function cliWith(script: string) {
  const dir = mkdtempSync(join(tmpdir(), 'fake-docker-'));
  const bin = join(dir, 'docker');
  writeFileSync(bin, `#!/usr/bin/env bash\n${script}\n`);
  chmodSync(bin, 0o755);
  return new DockerCli({ ...loadDockerConfig({}), dockerBin: bin });
}

describe('DockerCli against real processes', () => {
  it('passes arguments as an argv array: shell text stays literal', async () => {
    const cli = cliWith('for a in "$@"; do printf "[%s]\\n" "$a"; done');
    const hostile = ['$(touch /tmp/pwned)', '; rm -rf /', '`id`', 'a b', "'q'", '--image=x'];
    const res = await cli.run(hostile);
    expect(res.stdout.trim().split('\n')).toEqual(hostile.map((a) => `[${a}]`));
  });

  it('rejects with exit code and stderr on failure', async () => {
    const cli = cliWith('echo partial; echo "no such service: x" >&2; exit 3');
    const err = await cli.run(['service', 'inspect', 'x']).catch((e) => e);
    expect(err).toBeInstanceOf(DockerCliError);
    expect(err.result.exitCode).toBe(3);
    expect(err.result.stderr).toContain('no such service: x');
    expect(err.message).toContain('no such service: x');
    await expect(cli.exec(['x'])).resolves.toMatchObject({ exitCode: 3, stdout: 'partial\n' });
  });

  it('streams lines from both streams in order, including a last line without newline', async () => {
    const cli = cliWith('echo one; echo two >&2; sleep 0.05; printf three');
    const seen: string[] = [];
    const res = await cli.run([], { onLine: (line, stream) => seen.push(`${stream}:${line}`) });
    expect(seen).toEqual(['stdout:one', 'stderr:two', 'stdout:three']);
    expect(res.lines.map((l) => l.line)).toEqual(['one', 'two', 'three']);
  });

  it('feeds stdin', async () => {
    const cli = cliWith('cat');
    await expect(cli.run([], { input: 'services: {}\n' })).resolves.toMatchObject({ stdout: 'services: {}\n' });
  });

  it('kills a process that runs past its timeout', async () => {
    const cli = cliWith('echo started; exec sleep 30');
    const started = Date.now();
    const err = await cli.run([], { timeoutMs: 300 }).catch((e) => e);
    expect(err).toBeInstanceOf(DockerTimeoutError);
    expect(err.result.stdout).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('kills on abort', async () => {
    const cli = cliWith('exec sleep 30');
    const controller = new AbortController();
    const pending = cli.run([], { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toBeInstanceOf(DockerAbortedError);
  });

  it('kills running processes at shutdown', async () => {
    const cli = cliWith('exec sleep 30');
    const pending = cli.run([]);
    await new Promise((r) => setTimeout(r, 100));
    cli.onApplicationShutdown();
    await expect(pending).rejects.toBeInstanceOf(DockerAbortedError);
  });

  it('says clearly when the docker binary is missing', async () => {
    const cli = new DockerCli({ ...loadDockerConfig({}), dockerBin: '/nonexistent/docker' });
    await expect(cli.run(['version'])).rejects.toBeInstanceOf(DockerUnavailableError);
  });

  it('refuses NUL bytes in arguments', () => {
    const cli = cliWith('true');
    expect(() => cli.exec(['a\0b'])).toThrow(TypeError);
  });
});
