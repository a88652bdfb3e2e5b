import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ChildProcess, spawn } from 'node:child_process';
import { dockerConfig } from '../config/docker.config';

export type OutputStream = 'stdout' | 'stderr';

export interface DockerRunOptions {
  /** Kill the process after this long; defaults to DEPLOY_TIMEOUT_SECONDS. */
  timeoutMs?: number;
  /** Aborting kills the process. */
  signal?: AbortSignal;
  /** Written to stdin, then stdin is closed (`docker login --password-stdin`, `docker secret create NAME -`). */
  input?: string;
  /** Called for every complete output line as it arrives. */
  onLine?: (line: string, stream: OutputStream) => void;
  /** A private DOCKER_CONFIG directory (registry credentials for this operation only); see DockerAuth. */
  configDir?: string;
}

export interface DockerResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Every output line, both streams, in arrival order. */
  lines: { stream: OutputStream; line: string }[];
}

/** docker exited non-zero; carries its exit code and stderr. */
export class DockerCliError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly result: DockerResult,
  ) {
    super(`docker ${args[0] ?? ''} exited with code ${result.exitCode}: ${result.stderr.trim().split('\n').pop() ?? ''}`);
  }
}

/** docker ran past its time limit and was killed. */
export class DockerTimeoutError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly timeoutMs: number,
    readonly result: DockerResult,
  ) {
    super(`docker ${args[0] ?? ''} did not finish within ${Math.round(timeoutMs / 1000)} s and was killed`);
  }
}

/** The docker binary could not be started (not installed, or DOCKER_BIN wrong). */
export class DockerUnavailableError extends Error {}

/** Killed by an abort or by shutdown. */
export class DockerAbortedError extends Error {}

const KILL_GRACE_MS = 5000;

/**
 * The one way this service runs docker: the binary with an argv array, never a shell, so nothing a
 * user or a webhook supplies is ever interpreted as shell text. Adds a timeout, abort, line capture,
 * and kills whatever still runs when the app shuts down.
 */
@Injectable()
export class DockerCli implements OnApplicationShutdown {
  private readonly logger = new Logger(DockerCli.name);
  /** Each running process, with the function that kills it for a reason. */
  private readonly running = new Map<ChildProcess, (why: Error) => void>();

  constructor(@Inject(dockerConfig.KEY) private readonly config: ConfigType<typeof dockerConfig>) {}

  /** Runs `docker ...args`; resolves on exit code 0, rejects with a typed error otherwise. */
  async run(args: readonly string[], opts: DockerRunOptions = {}): Promise<DockerResult> {
    const result = await this.exec(args, opts);
    if (result.exitCode !== 0) throw new DockerCliError(args, result);
    return result;
  }

  /** Like run, but resolves with any exit code (the caller reads it). */
  exec(args: readonly string[], opts: DockerRunOptions = {}): Promise<DockerResult> {
    for (const arg of args) {
      if (typeof arg !== 'string' || arg.includes('\0')) throw new TypeError('docker arguments must be strings without NUL');
    }
    const timeoutMs = opts.timeoutMs ?? this.config.deployTimeoutSeconds * 1000;
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new DockerAbortedError('aborted before start'));
      const env = opts.configDir ? { ...process.env, DOCKER_CONFIG: opts.configDir } : process.env;
      const child = spawn(this.config.dockerBin, [...args], { shell: false, stdio: ['pipe', 'pipe', 'pipe'], env });
      const result: DockerResult = { exitCode: -1, stdout: '', stderr: '', lines: [] };
      let failure: Error | undefined;
      const partial: Record<OutputStream, string> = { stdout: '', stderr: '' };
      const emit = (stream: OutputStream, line: string) => {
        result.lines.push({ stream, line });
        opts.onLine?.(line, stream);
      };
      const collect = (stream: OutputStream) => (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        result[stream] += text;
        const parts = (partial[stream] + text).split(/\r?\n|\r/);
        partial[stream] = parts.pop() ?? '';
        for (const line of parts) emit(stream, line);
      };
      child.stdout.on('data', collect('stdout'));
      child.stderr.on('data', collect('stderr'));
      const kill = (why: Error) => {
        failure ??= why;
        child.kill('SIGTERM');
        setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), KILL_GRACE_MS).unref();
      };
      this.running.set(child, kill);
      const timer = setTimeout(() => kill(new DockerTimeoutError(args, timeoutMs, result)), timeoutMs);
      const onAbort = () => kill(new DockerAbortedError('aborted'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdin.on('error', () => undefined); // the process may exit before reading stdin
      child.stdin.end(opts.input ?? '');
      child.on('error', (err: NodeJS.ErrnoException) => {
        failure ??=
          err.code === 'ENOENT'
            ? new DockerUnavailableError(`the docker CLI "${this.config.dockerBin}" was not found; install it or set DOCKER_BIN`)
            : err;
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.running.delete(child);
        for (const stream of ['stdout', 'stderr'] as const) if (partial[stream]) emit(stream, partial[stream]);
        result.exitCode = code ?? (signal ? 128 : -1);
        if (failure) reject(failure);
        else resolve(result);
      });
    });
  }

  onApplicationShutdown(): void {
    if (this.running.size) this.logger.warn(`killing ${this.running.size} docker process(es) still running at shutdown`);
    for (const kill of this.running.values()) kill(new DockerAbortedError('killed at shutdown'));
  }
}
