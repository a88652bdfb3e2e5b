/**
 * Rollouts across a real three-node swarm (node1 manager, node2 and node3 workers), driven through the
 * control plane deployed on it from deploy/stack.mysql.yml, under the faults nodes have: a worker lost
 * mid-rollout, the database restarted, the engine unreachable, the app replica killed. Each scenario
 * checks that no deployment is lost, duplicated or reported wrongly, and that the next push works.
 */
import { eventually } from '../support/packaging';
import { Cluster, REGISTRY_HOST } from './support/cluster';
import { APP_SERVICE, ControlPlane, DB_SERVICE, deliver, distributionPush, publish, User } from './support/control-plane';
import { elapsed, withControlPlane } from './support/scenario';
import { spreadCompose, UserStack } from './support/stacks';

describe('rollouts on a three-node swarm (one manager, two workers)', () => {
  // A MariaDB restart here takes 20-40 s (longer while the machine runs other suites): a lease of 60 s
  // makes the database scenario one of a restart shorter than the lease, whatever the load. (A longer
  // outage stops the deployment on purpose: docs/operations.md.)
  const LEASE_SECONDS = 60;
  const ctx = withControlPlane({ managers: 1, replicas: 1, env: { DDS_STACK_LOCK_LEASE_SECONDS: String(LEASE_SECONDS) } });
  let cluster: Cluster;
  let plane: ControlPlane;
  let admin: User;
  beforeAll(() => ({ cluster, plane, admin } = ctx));

  const api = () => plane.api(cluster.nodes[0]);

  it('rolls a service across all three nodes and reports success only when every node runs the new image', async () => {
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
  ])('a worker lost during a rollout: %s', (how, lost, fail, heal) => {
    it('ends the deployment, as succeeded only if every task that should run runs the new image; the next push works', async () => {
      const path = `acme/${lost}`;
      publish(cluster.nodes[0], path, '1');
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
      let tasksAtEnd;
      try {
        done = await stack.finished(api, id, 240_000);
        tasksAtEnd = await plane.tasks(stack.service, true);
        console.log(`worker ${lost} lost (${how}): deployment ${done.status} after ${elapsed(failedAt)}${done.error ? `: ${done.error}` : ''}`);
      } finally {
        await heal(cluster);
      }
      // Swarm never pauses here. Either it gave up stopping the lost node's old tasks (after a minute
      // each) and every task that should run runs tag 2, or it had given the lost node a new task,
      // which never starts: the deployment ends once nothing has moved for 30 s, and names the node.
      // Which one depends on where the updater was when the node went.
      if (done.status === 'succeeded') {
        expect(tasksAtEnd.filter((t) => t.desired === 'Running').map((t) => [t.state.split(' ')[0], t.image.split('@')[0]])).toEqual(
          Array(3).fill(['Running', `${v2.repository}:2`]),
        );
      } else {
        expect(done).toMatchObject({ status: 'failed', errorCode: 50010 });
        expect(done.error).toContain(`stalled because node ${lost} is down`);
      }

      await eventually(() => plane.nodeReady(lost), `${lost} to be Ready again`, 120_000, 1000);
      const v3 = publish(cluster.nodes[0], path, '3');
      const next = await deliver(api(), stack.autoUpdateUrl, distributionPush(path, '3', v3.digest));
      const after = await stack.finished(api, next.body.data.deploymentId);
      expect(after).toMatchObject({ status: 'succeeded', tag: '3' });
      expect((await stack.deployments(api())).map((d) => d.status)).toEqual(['succeeded', done.status, 'succeeded']);
    });
  });

  it('a worker lost with one task a node: a push ends failed, saying no node can take the task, not at the deadline; the next push after the node returns works', async () => {
    const path = 'acme/full';
    publish(cluster.nodes[0], path, '1');
    const v2 = publish(cluster.nodes[0], path, '2');
    // max_replicas_per_node 1, three replicas on three nodes: the lost node's task fits nowhere else.
    const stack = await UserStack.create(plane, api(), admin, 'full', spreadCompose(path, '1'));
    const lost = cluster.node('node2');
    lost.cutLink();
    let done;
    let pushedAt = 0;
    try {
      await eventually(async () => !(await plane.nodeReady(lost.name)), 'node2 to be reported down', 120_000, 1000);
      pushedAt = Date.now();
      const answer = await deliver(api(), stack.autoUpdateUrl, distributionPush(path, '2', v2.digest));
      expect(answer.status).toBe(202);
      done = await stack.finished(api, answer.body.data.deploymentId, 180_000);
      console.log(`push with node2 lost and no room for its task: ${done.status} after ${elapsed(pushedAt)}${done.error ? `: ${done.error}` : ''}`);
    } finally {
      lost.restoreLink();
    }
    expect(done).toMatchObject({ status: 'failed', errorCode: 50010 });
    expect(done.error).toContain('stalled because no node can take one of its tasks (no suitable node');
    expect(done.output).toContainEqual(expect.stringMatching(/^no node can take a task of full_web \(no suitable node/));

    await eventually(() => plane.nodeReady(lost.name), 'node2 to be Ready again', 120_000, 1000);
    await nextPushWorks(stack, path);
  });

  /** Saves and deploys a slow-rolling stack (about 6 s a task), pushes tag 2 and waits for its first new task. */
  async function rollingStack(name: string) {
    const path = `acme/${name}`;
    publish(cluster.nodes[0], path, '1');
    const v2 = publish(cluster.nodes[0], path, '2');
    const stack = await UserStack.create(plane, api(), admin, name, spreadCompose(path, '1', { monitor: '4s', delay: '2s' }));
    const answer = await deliver(api(), stack.autoUpdateUrl, distributionPush(path, '2', v2.digest));
    expect(answer.status).toBe(202);
    await eventually(async () => (await stack.running()).some((t) => t.image.split('@')[0].endsWith(':2')), 'the first task on the new image', 60_000, 200);
    return { stack, path, id: answer.body.data.deploymentId as number, v2 };
  }

  /** Pushes tag 3 and expects it to roll. */
  async function nextPushWorks(stack: UserStack, path: string) {
    const v3 = publish(cluster.nodes[0], path, '3');
    const answer = await deliver(api(), stack.autoUpdateUrl, distributionPush(path, '3', v3.digest));
    expect(answer.status).toBe(202);
    const done = await stack.finished(api, answer.body.data.deploymentId);
    expect(done).toMatchObject({ status: 'succeeded', tag: '3', digest: v3.digest });
    const byNode = await stack.containersByNode(cluster.nodes);
    for (const node of ['node1', 'node2', 'node3']) expect(byNode[node]).toEqual([`${v3.repository}:3@${v3.digest}`]);
  }

  it('the app replica killed mid-rollout: swarm restarts it, the deployment is recorded interrupted, the next push works', async () => {
    const { stack, path, id } = await rollingStack('killed');
    const node1 = cluster.nodes[0];
    const [container] = node1.containersOf(APP_SERVICE);
    const killedAt = Date.now();
    node1.docker('kill', container);
    await plane.waitForReplicas(1, 120_000);
    const back = elapsed(killedAt);
    // Recovery marks it once the killed replica's lease has ended, and checks every 30 s.
    const done = await stack.finished(api, id, (LEASE_SECONDS + 60) * 1000);
    console.log(`app replica killed mid-rollout: answering again after ${back}, deployment ${done.status} after ${elapsed(killedAt)}`);
    expect(done).toMatchObject({ status: 'interrupted', errorCode: 50012 });
    // Swarm finished the update it had been given: the service runs tag 2 on every node.
    await eventually(async () => (await stack.running()).filter((t) => t.image.split('@')[0].endsWith(':2')).length === 3, 'swarm to finish the update', 60_000, 500);

    await nextPushWorks(stack, path);
    expect((await stack.deployments(api())).map((d) => [d.action, d.status])).toEqual([
      ['update', 'succeeded'],
      ['update', 'interrupted'],
      ['create', 'succeeded'],
    ]);
  });

  it('the database restarted mid-rollout: the deployment records its real outcome once the database is back, the next push works', async () => {
    const { stack, path, id, v2 } = await rollingStack('dbrestart');
    const dbNode = cluster.node((await plane.tasks(DB_SERVICE))[0].node);
    const [db] = dbNode.containersOf(DB_SERVICE);
    const killedAt = Date.now();
    dbNode.docker('kill', db);
    await eventually(async () => (await plane.tasks(DB_SERVICE)).some((t) => t.state.startsWith('Running')), 'the database to run again', 120_000, 1000);
    await plane.waitForReplicas(1, 120_000);
    const back = elapsed(killedAt);
    const done = await stack.finished(api, id, 120_000);
    console.log(`database restarted mid-rollout: answering again after ${back}, deployment ${done.status} after ${elapsed(killedAt)}`);
    expect(done).toMatchObject({ status: 'succeeded', tag: '2', digest: v2.digest });

    await nextPushWorks(stack, path);
    expect((await stack.deployments(api())).map((d) => [d.action, d.status])).toEqual([
      ['update', 'succeeded'],
      ['update', 'succeeded'],
      ['create', 'succeeded'],
    ]);
  });

  it('the engine unreachable mid-rollout (frozen for 20 s): the deployment ends in a clear state, the next push works', async () => {
    const { stack, path, id } = await rollingStack('frozen');
    const node1 = cluster.nodes[0];
    const frozenAt = Date.now();
    node1.freezeEngine();
    try {
      await new Promise((r) => setTimeout(r, 20_000));
      // The API keeps answering from the database while the engine does not.
      expect((await stack.deployment(api(), id)).status).toBe('running');
    } finally {
      node1.thawEngine();
    }
    const done = await stack.finished(api, id, 180_000);
    console.log(`engine frozen 20 s mid-rollout: deployment ${done.status} ${elapsed(frozenAt)} after the freeze: ${done.error ?? ''}`);
    expect(['succeeded', 'rolled_back']).toContain(done.status);
    const spec = (await plane.manager()).docker('service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', stack.service).trim();
    // What the deployment says is what the service runs.
    expect(spec.split('@')[0].endsWith(done.status === 'succeeded' ? ':2' : ':1')).toBe(true);

    await nextPushWorks(stack, path);
  });
});
