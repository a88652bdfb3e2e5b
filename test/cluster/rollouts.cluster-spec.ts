/**
 * Rollouts across a real three-node swarm (node1 manager, node2 and node3 workers), driven through the
 * control plane deployed on it from deploy/stack.mysql.yml, under the faults nodes have: a worker lost
 * mid-rollout, the database restarted, the engine unreachable, the app replica killed. Each scenario
 * checks that no deployment is lost, duplicated or reported wrongly, and that the next push works.
 */
import { REGISTRY_HOST, REGISTRY_NETNS, REGISTRY_ADDRESS, Cluster } from './support/cluster';
import { ControlPlane, deliver, distributionPush, publish, User } from './support/control-plane';
import { spreadCompose, UserStack } from './support/stacks';
import { startRegistry, TestRegistry } from '../support/registry';
import { APP_IMAGE, MARIADB_IMAGE } from './support/images';
import { ensureTestImage } from '../support/test-images';
import { eventually } from '../support/packaging';

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

describe('rollouts on a three-node swarm (one manager, two workers)', () => {
  let cluster: Cluster;
  let registry: TestRegistry;
  let plane: ControlPlane;
  let admin: User;

  const api = () => plane.api(cluster.nodes[0]);

  beforeAll(async () => {
    const started = Date.now();
    cluster = await Cluster.start({ managers: 1 });
    registry = await startRegistry(null, { namespace: { netns: REGISTRY_NETNS, address: REGISTRY_ADDRESS } });
    ensureTestImage('dds-test-busybox:variant-base');
    await cluster.loadImages([APP_IMAGE, MARIADB_IMAGE, 'dds-test-busybox:variant-base']);
    plane = await ControlPlane.deploy(cluster, 1);
    admin = await plane.user(api(), 'admin');
    console.log(`cluster up, control plane ready in ${elapsed(started)}`);
  }, 600_000);

  afterAll(async () => {
    await registry?.stop();
    await cluster?.stop();
  }, 120_000);

  afterEach(async () => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) console.log(`control plane logs:\n${await plane.logs()}`);
  });

  it.skip('rolls a service across all three nodes and reports success only when every node runs the new image', async () => {
    const v1 = publish(cluster.nodes[0], 'acme/shop', '1');
    const v2 = publish(cluster.nodes[0], 'acme/shop', '2');
    const stack = await UserStack.create(plane, api(), admin, 'shop', spreadCompose('acme/shop', '1'));
    expect(new Set((await stack.running()).map((t) => t.node))).toEqual(new Set(['node1', 'node2', 'node3']));
    expect(v1.repository).toBe(`${REGISTRY_HOST}/acme/shop`);

    const pushed = Date.now();
    const answer = await deliver(api(), stack.autoUpdateUrl, distributionPush('acme/shop', '2', v2.digest));
    expect([answer.status, answer.body.code]).toEqual([202, 0]);
    const done = await stack.finished(api, answer.body.data.deploymentId);
    const byNode = await stack.containersByNode(cluster.nodes);
    console.log(`rolling update across 3 nodes: ${done.status} ${elapsed(pushed)} after the push`);

    expect(done).toMatchObject({ status: 'succeeded', tag: '2', digest: v2.digest });
    // At the moment it is reported converged, every node already runs the pushed digest.
    for (const node of ['node1', 'node2', 'node3']) expect(byNode[node]).toEqual([`${v2.repository}:2@${v2.digest}`]);
    expect((await stack.deployments(api())).map((d) => [d.action, d.status])).toEqual([
      ['update', 'succeeded'],
      ['create', 'succeeded'],
    ]);
  });

  describe.each([
    ['its machine powered off', 'node3', (c: Cluster) => c.node('node3').powerOff(), (c: Cluster) => c.node('node3').startEngine(c.insecureRegistries)],
    ['its link cut', 'node2', (c: Cluster) => c.node('node2').cutLink(), (c: Cluster) => c.node('node2').restoreLink()],
  ])('a worker lost during a rollout: %s', (_how, lost, fail, heal) => {
    it('ends the deployment in a state that says what happened, and the next push works', async () => {
      const path = `acme/${lost}`;
      const v1 = publish(cluster.nodes[0], path, '1');
      const v2 = publish(cluster.nodes[0], path, '2');
      // Two tasks a node at most: the lost node's task has somewhere to go.
      const stack = await UserStack.create(plane, api(), admin, `lose-${lost}`, spreadCompose(path, '1', { monitor: '4s', delay: '2s', maxPerNode: 2 }));

      const answer = await deliver(api(), stack.autoUpdateUrl, distributionPush(path, '2', v2.digest));
      expect(answer.status).toBe(202);
      const id = answer.body.data.deploymentId;
      await eventually(async () => (await stack.running()).some((t) => t.image.split('@')[0].endsWith(':2')), 'the first task on the new image', 60_000, 200);
      const failedAt = Date.now();
      fail(cluster);
      let done;
      try {
        done = await stack.finished(api, id, 240_000);
        console.log(`worker ${lost} lost (${_how}): deployment ${done.status} after ${elapsed(failedAt)}: ${done.error}\n${done.output.join('\n')}`);
      } finally {
        const manager = await plane.manager();
        console.log(manager.docker('service', 'inspect', '--format', '{{json .UpdateStatus}}', stack.service));
        console.log((await plane.tasks(stack.service, true)).map((t) => `${t.node} ${t.image} ${t.desired} ${t.state} ${t.error}`).join('\n'));
        await heal(cluster);
      }
      expect(['rolled_back', 'succeeded']).toContain(done.status);

      await eventually(async () => (await plane.manager()).docker('node', 'ls', '--format', '{{.Hostname}} {{.Status}}').includes(`${lost} Ready`), `${lost} to be Ready again`, 120_000, 1000);
      const v3 = publish(cluster.nodes[0], path, '3');
      const next = await deliver(api(), stack.autoUpdateUrl, distributionPush(path, '3', v3.digest));
      const after = await stack.finished(api, next.body.data.deploymentId);
      expect(after).toMatchObject({ status: 'succeeded', tag: '3' });
      expect((await stack.deployments(api())).map((d) => d.status)).toEqual(['succeeded', done.status, 'succeeded']);
    });
  });
});
