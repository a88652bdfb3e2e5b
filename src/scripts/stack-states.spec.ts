import { DockerUnavailableError } from '../swarm/docker-cli';
import { judgeOwnership, OWNER_LABELS, StackResources } from '../swarm/stack-ownership';
import type { StackSnapshot, SwarmObjectsService } from '../swarm/swarm-objects.service';
import type { SwarmService } from '../swarm/swarm.service';
import type { OwnedStack, StackOwnership } from '../tenancy/stack-ownership.service';
import { StackStates } from './stack-states';

const INSTALLATION = 'inst-1';
const owned = (scriptId: number, ownerId = 1) => ({ [OWNER_LABELS.installation]: INSTALLATION, [OWNER_LABELS.script]: String(scriptId), [OWNER_LABELS.owner]: String(ownerId) });
const service = (name: string, labels: Record<string, string>, replicas = { running: 1, desired: 2 }) => ({ name, labels, image: `acme/${name}:1`, mode: 'replicated', replicas });

/** StackStates over a swarm read the test controls; ownership is the real rule with a fixed installation id. */
function setup(read: () => Promise<Map<string, StackSnapshot>>) {
  const everyStack = jest.fn(read);
  const ownership = {
    judgeResources: (script: OwnedStack, resources: StackResources) =>
      judgeOwnership(script.serviceName, resources, { installation: INSTALLATION, scriptId: script.id, ownerId: script.userId }),
  } as unknown as StackOwnership;
  // The page read never asks for one stack's state: an unmocked SwarmService fails the test.
  const states = new StackStates({} as SwarmService, { everyStack } as unknown as SwarmObjectsService, ownership);
  return { states, everyStack };
}

describe('StackStates.forPage', () => {
  afterEach(() => jest.useRealTimers());

  it("shows each script its own stack from one read, and a stack that is not the script's as null with the reason", async () => {
    const { states, everyStack } = setup(async () =>
      new Map([
        ['app', { services: [service('app_x_web', owned(1))], volumes: [] }],
        ['app_x', { services: [service('app_x_db', owned(2), { running: 0, desired: 1 })], volumes: [] }],
        ['hand', { services: [service('hand_web', {})], volumes: [] }],
        ['left', { services: [], volumes: [{ name: 'left_data', labels: { [OWNER_LABELS.installation]: INSTALLATION, [OWNER_LABELS.owner]: '9' } }] }],
      ]),
    );
    const page = await states.forPage([
      { id: 1, userId: 1, serviceName: 'app' },
      { id: 2, userId: 1, serviceName: 'app_x' },
      { id: 3, userId: 1, serviceName: 'hand' },
      { id: 4, userId: 1, serviceName: 'left' },
      { id: 5, userId: 1, serviceName: 'idle' },
    ]);
    expect(page).toEqual([
      { stack: { deployed: true, services: [{ name: 'app_x_web', image: 'acme/app_x_web:1', mode: 'replicated', running: 1, desired: 2 }] }, stackError: null },
      { stack: { deployed: true, services: [{ name: 'app_x_db', image: 'acme/app_x_db:1', mode: 'replicated', running: 0, desired: 1 }] }, stackError: null },
      { stack: null, stackError: "a stack named hand runs on the swarm but is not this script's (40912)" },
      { stack: null, stackError: "a stack named left runs on the swarm but is not this script's (40912)" },
      { stack: { deployed: false, services: [] }, stackError: null },
    ]);
    expect(everyStack).toHaveBeenCalledTimes(1);
    expect(everyStack).toHaveBeenCalledWith({ timeoutMs: 5000 });
  });

  it('shares one read among concurrent pages and for 2 s after it, then reads again', async () => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate'] });
    let answer!: (stacks: Map<string, StackSnapshot>) => void;
    const { states, everyStack } = setup(() => new Promise((resolve) => (answer = resolve)));
    const scripts = [{ id: 1, userId: 1, serviceName: 'app' }];
    const pages = [states.forPage(scripts), states.forPage(scripts)];
    answer(new Map());
    await Promise.all(pages);
    jest.setSystemTime(1_001_999);
    await states.forPage(scripts);
    expect(everyStack).toHaveBeenCalledTimes(1);
    jest.setSystemTime(1_002_001);
    everyStack.mockImplementation(async () => new Map());
    await states.forPage(scripts);
    expect(everyStack).toHaveBeenCalledTimes(2);
  });

  it('answers every script with null and the reason when docker cannot, and asks docker nothing for an empty page', async () => {
    const { states, everyStack } = setup(() => Promise.reject(new DockerUnavailableError('the docker CLI "docker" was not found; install it or set DOCKER_BIN')));
    await expect(states.forPage([])).resolves.toEqual([]);
    expect(everyStack).not.toHaveBeenCalled();
    const failed = { stack: null, stackError: 'the docker CLI "docker" was not found; install it or set DOCKER_BIN' };
    await expect(states.forPage([{ id: 1, userId: 1, serviceName: 'a' }, { id: 2, userId: 1, serviceName: 'b' }])).resolves.toEqual([failed, failed]);
  });
});
