import type { ScriptsService } from '../scripts/scripts.service';
import { loadDockerConfig } from '../config/docker.config';
import { Script } from '../scripts/entities/script.entity';
import { DockerAbortedError, DockerCliError, DockerTimeoutError, DockerUnavailableError } from '../swarm/docker-cli';
import { Ownership } from '../swarm/stack-ownership';
import { SwarmObjectsService } from '../swarm/swarm-objects.service';
import { ServiceUpdateState, SwarmService } from '../swarm/swarm.service';
import { StackSecretStore } from '../tenancy/stack-secret-store';
import { StackOwnership } from '../tenancy/stack-ownership.service';
import { DeploymentExecutor, DeploymentStopped } from './deployment-executor';
import { RegistryAccess, RegistryOperation } from '../registries/registry-access.service';
import { loadRegistriesConfig } from '../config/registries.config';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { Deployment } from './entities/deployment.entity';

const result = (stderr = '', exitCode = 1) => ({ exitCode, stdout: '', stderr, lines: [] });
const state = (outcome: ServiceUpdateState['outcome'], image: string, st: string | null = null): ServiceUpdateState => ({ outcome, image, state: st, message: st ?? '' });

/**
 * Every call a test did not give. The executor turns anything thrown into a failed result, so a
 * strict fake's throw alone could pass as the failure a test expects: afterEach fails the test instead.
 */
const unexpected: string[] = [];
afterEach(() => expect(unexpected.splice(0)).toEqual([]));

/** A strict fake: only what a test gives exists; anything else fails the test. */
function strict<T extends object>(name: string, fake: object): T {
  return new Proxy(fake, {
    get: (target, key) => {
      if (!(key in target)) {
        unexpected.push(`${name}.${String(key)}`);
        throw new Error(`unexpected ${name}.${String(key)}`);
      }
      return target[key as keyof typeof target];
    },
  }) as T;
}

/** A function no test gave: calling it fails the test. */
const strictFn = (name: string) =>
  jest.fn(async () => {
    unexpected.push(name);
    throw new Error(`unexpected ${name}`);
  });

const script = { id: 7, userId: 3, serviceName: 'halo', composeContent: 'services:\n  halo:\n    image: halohub/halo:1\n', images: [] } as unknown as Script;
const LABELS = { 'dds.installation': 'i1', 'dds.script': '7', 'dds.owner': '3' };

function executorWith(
  swarm: Partial<Record<keyof SwarmService, jest.Mock>>,
  env: Record<string, string> = {},
  opts: { ownership?: Ownership; objects?: Partial<Record<keyof SwarmObjectsService, jest.Mock>>; pinDigest?: jest.Mock } = {},
) {
  const registries = strict<RegistryAccess>('RegistryAccess', {
    withLogins: jest.fn((_user: number, _images: string[], run: (operation: RegistryOperation) => unknown) =>
      run({ configDir: '/tmp/dds-docker-config-test', pinDigest: opts.pinDigest ?? strictFn('RegistryOperation.pinDigest') }),
    ),
  });
  const ownership = strict<StackOwnership>('StackOwnership', { judge: jest.fn().mockResolvedValue(opts.ownership ?? { kind: 'owned' }), serviceLabels: () => LABELS });
  const scripts = strict<ScriptsService>('ScriptsService', { findById: jest.fn().mockResolvedValue(script) });
  return new DeploymentExecutor(
    strict<SwarmService>('SwarmService', swarm),
    strict<SwarmObjectsService>('SwarmObjectsService', opts.objects ?? {}),
    ownership,
    strict<StackSecretStore>('StackSecretStore', {}),
    scripts,
    registries,
    loadDockerConfig(env),
    loadRegistriesConfig({ PIN_DIGESTS: opts.pinDigest ? 'true' : 'false', ...env }),
  );
}

/** docker service update waiting for a convergence that cannot come, until it is stopped. */
const updateWaitingUntilStopped = () =>
  jest.fn((_s: string, _r: string, opts: { signal: AbortSignal }) =>
    new Promise((_, reject) => opts.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })))),
  );

const update = { id: 1, scriptId: 7, action: 'update', serviceName: 'halo', image: 'halohub/halo', tag: '2', digest: null, services: ['halo_halo'] } as Deployment;
const ctx = () => ({ onLine: jest.fn(), signal: new AbortController().signal, deadline: Date.now() + 60_000 });

describe('DeploymentExecutor checks who owns the stack first', () => {
  const foreign: Ownership = { kind: 'foreign', services: ['halo_halo'], reason: 'stack halo runs services that are not this script\'s: halo_halo (deployed outside this service)' };

  it.each(['create', 'update', 'remove'] as const)('refuses to %s a stack that is not the script\'s, running nothing', async (action) => {
    const ex = executorWith({}, {}, { ownership: foreign });
    const r = await ex.execute({ ...update, action }, ctx());
    expect(r).toMatchObject({ status: 'failed', errorCode: 40912 });
    expect(r.error).toMatch(/halo_halo \(deployed outside this service\).*nothing was changed/);
  });

  it('adopts a foreign stack by labelling its services, and refuses when there is nothing to adopt', async () => {
    const labelServices = jest.fn().mockResolvedValue(undefined);
    const c = ctx();
    const ex = executorWith({}, {}, { ownership: foreign, objects: { labelServices } });
    await expect(ex.execute({ ...update, action: 'adopt' }, c)).resolves.toEqual({ status: 'succeeded' });
    expect(labelServices).toHaveBeenCalledWith(['halo_halo'], LABELS, expect.anything());
    expect(c.onLine).toHaveBeenCalledWith('adopted halo_halo');

    const none = executorWith({}, {}, { ownership: { kind: 'absent' } });
    await expect(none.execute({ ...update, action: 'adopt' }, ctx())).resolves.toMatchObject({ status: 'failed', errorCode: 40920 });
  });

  it('answers 50013 when docker cannot say who owns the stack', async () => {
    const ex = executorWith({});
    (ex as unknown as { ownership: { judge: jest.Mock } }).ownership.judge.mockRejectedValue(new DockerUnavailableError('the docker CLI "docker" was not found'));
    await expect(ex.execute(update, ctx())).resolves.toMatchObject({ status: 'failed', errorCode: 50013 });
  });
});

describe('DeploymentExecutor decides from UpdateStatus, not the exit code', () => {
  it('succeeds when the update completed and the service runs the new image (digest appended by docker)', async () => {
    const inspect = jest.fn().mockResolvedValueOnce(state('succeeded', 'halohub/halo:1')).mockResolvedValueOnce(state('succeeded', `halohub/halo:2@sha256:${'a'.repeat(64)}`, 'completed'));
    const ex = executorWith({ inspectUpdate: inspect, updateService: jest.fn().mockResolvedValue(result('', 0)) });
    await expect(ex.execute(update, ctx())).resolves.toEqual({ status: 'succeeded', previousImage: 'halohub/halo:1' });
  });

  it('reports rolled_back after docker exited 0 from an automatic rollback, naming the failed task', async () => {
    const updateService = jest.fn().mockResolvedValue(result('', 0));
    const inspect = jest
      .fn()
      .mockResolvedValueOnce(state('succeeded', 'halohub/halo:1'))
      .mockResolvedValueOnce(state('in_progress', 'halohub/halo:1', 'rollback_started'))
      .mockResolvedValueOnce(state('rolled_back', 'halohub/halo:1', 'rollback_completed'));
    const tasks = jest.fn().mockResolvedValue([{ image: 'halohub/halo:2', error: 'No such image: halohub/halo:2' }]);
    const ex = executorWith({ inspectUpdate: inspect, updateService, serviceTasks: tasks });
    const r = await ex.execute(update, ctx());
    expect(r).toMatchObject({ status: 'rolled_back', errorCode: 50011 });
    expect(r.error).toMatch(/could not be found or pulled \(No such image: halohub\/halo:2\).*runs halohub\/halo:1/);
    expect(updateService).toHaveBeenCalledWith('halo_halo', 'halohub/halo:2', expect.objectContaining({ rollback: true }));
  });

  it('names the root cause of a failed task, not the engine clean-up error of another one', async () => {
    const inspect = jest.fn().mockResolvedValueOnce(state('succeeded', 'halohub/halo:1')).mockResolvedValue(state('rolled_back', 'halohub/halo:1', 'rollback_completed'));
    const tasks = jest.fn().mockResolvedValue([
      { image: 'halohub/halo:2', error: 'error while removing network: unknown network halo_default' },
      { image: 'halohub/halo:2', error: 'task: non-zero exit (1)' },
    ]);
    const ex = executorWith({ inspectUpdate: inspect, updateService: jest.fn().mockResolvedValue(result('', 0)), serviceTasks: tasks });
    const r = await ex.execute(update, ctx());
    expect(r.error).toMatch(/because its task did not start \(task: non-zero exit \(1\)\)/);
  });

  it('never calls a rollback_completed state success if the service still runs the new image', async () => {
    const inspect = jest.fn().mockResolvedValueOnce(state('succeeded', 'halohub/halo:1')).mockResolvedValue(state('rolled_back', 'halohub/halo:2', 'rollback_completed'));
    const ex = executorWith({ inspectUpdate: inspect, updateService: jest.fn().mockResolvedValue(result('', 0)), serviceTasks: jest.fn().mockResolvedValue([]) });
    await expect(ex.execute(update, ctx())).resolves.toMatchObject({ status: 'failed', errorCode: 50010, error: expect.stringContaining('(update state rollback_completed') });
  });

  it('without ROLLBACK_ON_FAILURE a paused update (exit 1) fails and says the service is left as it is', async () => {
    const updateService = jest.fn().mockRejectedValue(new DockerCliError(['service'], result('service update paused: update paused due to failure')));
    const inspect = jest.fn().mockResolvedValueOnce(state('succeeded', 'halohub/halo:1')).mockResolvedValue(state('failed', 'halohub/halo:2', 'paused'));
    const tasks = jest.fn().mockResolvedValue([{ image: 'halohub/halo:2', error: 'task: non-zero exit (1)' }]);
    const ex = executorWith({ inspectUpdate: inspect, updateService, serviceTasks: tasks }, { ROLLBACK_ON_FAILURE: 'false' });
    const r = await ex.execute(update, ctx());
    expect(r).toMatchObject({ status: 'failed', errorCode: 50010 });
    expect(r.error).toMatch(/task did not start \(task: non-zero exit \(1\)\).*paused.*left as it is/);
    expect(updateService).toHaveBeenCalledWith('halo_halo', 'halohub/halo:2', expect.objectContaining({ rollback: false }));
  });

  it('stops waiting for an update stalled by a lost node, and says which node', async () => {
    const inspect = jest.fn().mockResolvedValue(state('in_progress', 'halohub/halo:1', 'updating'));
    const updateService = updateWaitingUntilStopped();
    const serviceTasks = jest.fn().mockResolvedValue([
      { id: 'a', name: 'halo_halo.1', node: 'node1', image: 'halohub/halo:2', desiredState: 'Running', currentState: 'Running 5 seconds ago', error: '' },
      { id: 'b', name: 'halo_halo.2', node: 'node3', image: 'halohub/halo:2', desiredState: 'Shutdown', currentState: 'Assigned 2 minutes ago', error: '' },
    ]);
    const ex = executorWith({ inspectUpdate: inspect, updateService, serviceTasks, unreadyNodes: jest.fn().mockResolvedValue(new Set(['node3'])) });
    ex.stallWatch = { pollMs: 5, stallMs: 30 };
    const c = ctx();
    const r = await ex.execute(update, c);
    expect(r).toMatchObject({ status: 'failed', errorCode: 50010, previousImage: 'halohub/halo:1' });
    expect(r.error).toMatch(/halo_halo: the update to halohub\/halo:2 stalled because node node3 is down/);
    expect(c.onLine).toHaveBeenCalledWith('node node3 is down with tasks of halo_halo: the update cannot finish while it is');
  });

  it('stops waiting for an update whose new task no node can take, and says why', async () => {
    const inspect = jest.fn().mockResolvedValue(state('in_progress', 'halohub/halo:1', 'updating'));
    const updateService = updateWaitingUntilStopped();
    const noNode = 'no suitable node (max replicas per node limit exceed; scheduling constraints not satisfied on 2 nodes)';
    const serviceTasks = jest.fn().mockResolvedValue([
      { id: 'a', name: 'halo_halo.1', node: 'node1', image: 'halohub/halo:2', desiredState: 'Running', currentState: 'Running 5 seconds ago', error: '' },
      { id: 'b', name: 'halo_halo.2', node: '', image: 'halohub/halo:2', desiredState: 'Running', currentState: 'Pending 40 seconds ago', error: noNode },
    ]);
    const ex = executorWith({ inspectUpdate: inspect, updateService, serviceTasks, unreadyNodes: jest.fn().mockResolvedValue(new Set(['node3'])) });
    ex.stallWatch = { pollMs: 5, stallMs: 30 };
    const c = ctx();
    const r = await ex.execute(update, c);
    expect(r).toMatchObject({ status: 'failed', errorCode: 50010, previousImage: 'halohub/halo:1' });
    expect(r.error).toBe(`halo_halo: the update to halohub/halo:2 stalled because no node can take one of its tasks (${noNode}); swarm goes on when one can: a lost node returns, or the service's placement or max_replicas_per_node allows it`);
    expect(c.onLine).toHaveBeenCalledWith(`no node can take a task of halo_halo (${noNode}): the update cannot finish until one can`);
  });

  describe('an update the CLI stopped following (a manager error while the managers elect a leader)', () => {
    const lostTrack = new DockerCliError(['service'], result('Error response from daemon: rpc error: code = DeadlineExceeded desc = context deadline exceeded'));
    const task = (image: string, currentState: string, node = 'node2') => ({ id: image + currentState, name: 'halo_halo.1', node, image, desiredState: 'Running', currentState, error: '' });

    it('is followed to its end, past the settling time', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
      try {
        const start = Date.now();
        // No leader for a while (reads fail), then the update goes on and completes after 45 s.
        const inspect = jest.fn().mockResolvedValueOnce(state('succeeded', 'halohub/halo:1', 'completed')).mockImplementation(async () => {
          const t = Date.now() - start;
          if (t < 10_000) throw new DockerCliError(['service'], result('Error response from daemon: rpc error: code = Unknown desc = The swarm does not have a leader.'));
          return t < 45_000 ? state('in_progress', 'halohub/halo:2', 'updating') : state('succeeded', 'halohub/halo:2', 'completed');
        });
        const serviceTasks = jest.fn().mockResolvedValue([task('halohub/halo:2', 'Running 1 second ago'), task('halohub/halo:2', 'Preparing 3 seconds ago')]);
        const ex = executorWith({ inspectUpdate: inspect, updateService: jest.fn().mockRejectedValue(lostTrack), serviceTasks, unreadyNodes: jest.fn().mockResolvedValue(new Set()) });
        const c = { ...ctx(), deadline: start + 600_000 };
        const pending = ex.execute(update, c);
        await jest.advanceTimersByTimeAsync(50_000);
        await expect(pending).resolves.toEqual({ status: 'succeeded', previousImage: 'halohub/halo:1' });
        expect(c.onLine).toHaveBeenCalledWith(expect.stringMatching(/^docker stopped following the update of halo_halo \(.*context deadline exceeded\).*following it until it ends$/));
      } finally {
        jest.useRealTimers();
      }
    });

    it('is not mistaken for an earlier update of another image still in progress', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
      try {
        const inspect = jest.fn().mockResolvedValue(state('in_progress', 'halohub/halo:1', 'updating'));
        const ex = executorWith({ inspectUpdate: inspect, updateService: jest.fn().mockRejectedValue(lostTrack), serviceTasks: jest.fn().mockResolvedValue([]) });
        const c = { ...ctx(), deadline: Date.now() + 600_000 };
        const pending = ex.execute(update, c);
        await jest.advanceTimersByTimeAsync(31_000);
        await expect(pending).resolves.toMatchObject({ status: 'failed', errorCode: 50010, error: expect.stringContaining('(update state updating') });
        expect(c.onLine).not.toHaveBeenCalledWith(expect.stringMatching(/^docker stopped following/));
      } finally {
        jest.useRealTimers();
      }
    });

    it('ends as stalled when a node is lost with a task of the new image, and at the deadline otherwise', async () => {
      const inspect = jest.fn().mockResolvedValueOnce(state('succeeded', 'halohub/halo:1', 'completed')).mockResolvedValue(state('in_progress', 'halohub/halo:2', 'updating'));
      const serviceTasks = jest.fn().mockResolvedValue([task('halohub/halo:2', 'Running 5 seconds ago'), task('halohub/halo:2', 'Assigned 2 minutes ago', 'node3')]);
      const swarm = { inspectUpdate: inspect, updateService: jest.fn().mockRejectedValue(lostTrack), serviceTasks, unreadyNodes: jest.fn().mockResolvedValue(new Set(['node3'])) };
      const ex = executorWith(swarm);
      ex.stallWatch = { pollMs: 5, stallMs: 30 };
      const r = await ex.execute(update, ctx());
      expect(r).toMatchObject({ status: 'failed', errorCode: 50010, error: expect.stringMatching(/stalled because node node3 is down/) });

      // Nothing lost: the deadline ends the following, and the result says the update was still going.
      swarm.unreadyNodes.mockResolvedValue(new Set());
      inspect.mockReset().mockResolvedValueOnce(state('succeeded', 'halohub/halo:1', 'completed')).mockResolvedValue(state('in_progress', 'halohub/halo:2', 'updating'));
      const late = await executorWith(swarm).execute(update, { ...ctx(), deadline: Date.now() + 100 });
      expect(late).toMatchObject({ status: 'failed', errorCode: 50010, error: expect.stringContaining('(update state updating') });
    });
  });

  it('calls an update "in progress" only because of a lost node succeeded once every task that should run runs the new image', async () => {
    const inspect = jest.fn().mockResolvedValueOnce(state('succeeded', 'halohub/halo:1', 'completed')).mockResolvedValue(state('in_progress', 'halohub/halo:2', 'updating'));
    const running = (image: string, desiredState = 'Running', currentState = 'Running 1 second ago') => ({ id: image + desiredState, name: 'halo_halo.1', node: 'node1', image, desiredState, currentState, error: '' });
    const serviceTasks = jest.fn().mockResolvedValue([running('halohub/halo:2'), running('halohub/halo:1', 'Shutdown', 'Running 1 minute ago')]);
    const ex = executorWith({ inspectUpdate: inspect, updateService: jest.fn().mockResolvedValue(result('', 0)), serviceTasks, unreadyNodes: jest.fn().mockResolvedValue(new Set()) });
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      const pending = ex.execute(update, ctx());
      await jest.advanceTimersByTimeAsync(31_000);
      await expect(pending).resolves.toEqual({ status: 'succeeded', previousImage: 'halohub/halo:1' });
    } finally {
      jest.useRealTimers();
    }

    // A task that should run but does not (pending, no node left) is not success.
    serviceTasks.mockResolvedValue([running('halohub/halo:2'), running('halohub/halo:2', 'Running', 'Pending 10 seconds ago')]);
    inspect.mockReset().mockResolvedValueOnce(state('succeeded', 'halohub/halo:1', 'completed')).mockResolvedValue(state('in_progress', 'halohub/halo:2', 'updating'));
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      const pending = ex.execute(update, ctx());
      await jest.advanceTimersByTimeAsync(31_000);
      await expect(pending).resolves.toMatchObject({ status: 'failed', errorCode: 50010, error: expect.stringContaining('(update state updating') });
    } finally {
      jest.useRealTimers();
    }
  });

  it('says the stack is not deployed when the service does not exist', async () => {
    const ex = executorWith({ inspectUpdate: jest.fn().mockResolvedValue(null) });
    await expect(ex.execute(update, ctx())).resolves.toMatchObject({ status: 'failed', errorCode: 40920, error: expect.stringContaining('createService') });
  });

  it('says the swarm may still apply an update when the engine goes away under it', async () => {
    const down = new DockerCliError(['service'], result('error during connect: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.47/tasks": EOF'));
    const ex = executorWith({ inspectUpdate: jest.fn().mockResolvedValue(state('succeeded', 'halohub/halo:1', 'completed')), updateService: jest.fn().mockRejectedValue(down) });
    const r = await ex.execute(update, ctx());
    expect(r).toMatchObject({ status: 'failed', errorCode: 50013, previousImage: 'halohub/halo:1' });
    expect(r.error).toMatch(/went away while the update of halo_halo to halohub\/halo:2 was under way: the swarm may still be applying it/);
  });

  it('reports an engine that is down', async () => {
    const down = new DockerCliError(['service'], result('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'));
    const ex = executorWith({ inspectUpdate: jest.fn().mockRejectedValue(down) });
    await expect(ex.execute(update, ctx())).resolves.toMatchObject({ status: 'failed', errorCode: 50013, error: expect.stringMatching(/not reachable: Cannot connect/) });
  });

  it('reports a timeout, and that the swarm may still be changing', async () => {
    const inspect = jest.fn().mockResolvedValue(state('succeeded', 'halohub/halo:1'));
    const updateService = jest.fn().mockRejectedValue(new DockerTimeoutError(['service'], 600_000, result('', -1)));
    const ex = executorWith({ inspectUpdate: inspect, updateService });
    await expect(ex.execute(update, ctx())).resolves.toMatchObject({ status: 'failed', errorCode: 50014, error: expect.stringMatching(/600 s.*may still/) });
  });

  it('records a stop as interrupted (50012), for the reason the run was stopped', async () => {
    const abort = new AbortController();
    const inspect = jest.fn().mockResolvedValue(state('succeeded', 'halohub/halo:1'));
    const updateService = jest.fn(async () => {
      abort.abort(new DeploymentStopped('lost the stack lock (database unreachable)'));
      throw new DockerAbortedError('aborted');
    });
    const ex = executorWith({ inspectUpdate: inspect, updateService });
    await expect(ex.execute(update, { ...ctx(), signal: abort.signal })).resolves.toEqual({
      status: 'interrupted',
      error: 'lost the stack lock (database unreachable)',
      errorCode: 50012,
    });
  });

  it('records a stop as interrupted even when what failed was not docker (a registry lookup)', async () => {
    const abort = new AbortController();
    const pinDigest = jest.fn(async () => {
      abort.abort(new DeploymentStopped('the operation was stopped because the service is shutting down'));
      throw new DOMException('This operation was aborted', 'AbortError');
    });
    const ex = executorWith({}, {}, { pinDigest });
    await expect(ex.execute(update, { ...ctx(), signal: abort.signal })).resolves.toMatchObject({ status: 'interrupted', errorCode: 50012, error: expect.stringMatching(/shutting down/) });
  });
});

describe('DeploymentExecutor pins the digest the registry holds', () => {
  const DIGEST = `sha256:${'c'.repeat(64)}`;

  it('rolls to repo:tag@digest with the owner\'s logins and records the digest', async () => {
    const pinDigest = jest.fn().mockResolvedValue(DIGEST);
    const updateService = jest.fn().mockResolvedValue(result('', 0));
    const inspect = jest.fn().mockResolvedValueOnce(state('succeeded', 'halohub/halo:1')).mockResolvedValue(state('succeeded', `halohub/halo:2@${DIGEST}`, 'completed'));
    const c = ctx();
    const ex = executorWith({ inspectUpdate: inspect, updateService }, {}, { pinDigest });
    await expect(ex.execute({ ...update, digest: DIGEST }, c)).resolves.toEqual({ status: 'succeeded', digest: DIGEST, previousImage: 'halohub/halo:1' });
    expect(pinDigest).toHaveBeenCalledWith('halohub/halo', '2', DIGEST, c.signal);
    expect(updateService).toHaveBeenCalledWith('halo_halo', `halohub/halo:2@${DIGEST}`, expect.objectContaining({ configDir: '/tmp/dds-docker-config-test' }));
    expect(c.onLine).toHaveBeenCalledWith(`halohub/halo:2 is ${DIGEST} in the registry; rolling to that digest`);
  });

  it('a lookup the registry refuses is recorded with its own code and runs nothing', async () => {
    const pinDigest = jest.fn().mockRejectedValue(new AppError(Errors.DIGEST_MISMATCH, { zh: 'x', en: 'halohub/halo:2 is sha256:a in the registry, not the pushed sha256:b' }));
    const ex = executorWith({}, {}, { pinDigest });
    await expect(ex.execute(update, ctx())).resolves.toEqual({ status: 'failed', errorCode: 40941, error: 'halohub/halo:2 is sha256:a in the registry, not the pushed sha256:b' });
  });
});

describe('DeploymentExecutor removes a stack', () => {
  const remove = { id: 2, action: 'remove', serviceName: 'halo' } as Deployment;
  const inUse = () => new DockerCliError(['stack'], result('Failed to remove network abc: Error response from daemon: network abc is in use by task xyz'));

  it('runs docker stack rm again while a stopping task still holds the network', async () => {
    const removeStack = jest.fn().mockRejectedValueOnce(inUse()).mockResolvedValueOnce(result('', 0));
    const ex = executorWith({ removeStack });
    await expect(ex.execute(remove, ctx())).resolves.toEqual({ status: 'succeeded' });
    expect(removeStack).toHaveBeenCalledTimes(2);
  });

  it('does not retry other failures', async () => {
    const removeStack = jest.fn().mockRejectedValue(new DockerCliError(['stack'], result('permission denied')));
    const ex = executorWith({ removeStack });
    await expect(ex.execute(remove, ctx())).resolves.toMatchObject({ status: 'failed', errorCode: 50010 });
    expect(removeStack).toHaveBeenCalledTimes(1);
  });
});
