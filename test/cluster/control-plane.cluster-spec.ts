/**
 * The control plane highly available: three managers, two app replicas on one MariaDB
 * (deploy/stack.mysql.yml), under concurrent pushes, a lost manager and a partitioned leader.
 */
import { eventually } from '../support/packaging';
import { GOOD_PASSWORD } from '../support/test-app';
import { Cluster, ClusterNode } from './support/cluster';
import { ControlPlane, DB_SERVICE, deliver, distributionPush, publish, User } from './support/control-plane';
import { elapsed, withControlPlane } from './support/scenario';
import { spreadCompose, UserStack } from './support/stacks';

/** Longer than the waits in each fault scenario, so that a stuck step fails with its own message and state. */
const WAITS_INSIDE_AND_MORE = 660_000;

describe('the control plane on three managers: two replicas, one database', () => {
  // node1 made the swarm, so it leads: it runs none of the control plane at first, so that cutting
  // the leader off cuts the swarm's raft, not the database both replicas need.
  const ctx = withControlPlane({ managers: 3, replicas: 2, keepOffFirstNode: true });
  let cluster: Cluster;
  let plane: ControlPlane;
  let admin: User;
  let replicas: ClusterNode[];
  beforeAll(async () => {
    ({ cluster, plane, admin } = ctx);
    replicas = await plane.readyReplicas();
  });

  /** A replica that answers now (one may be lost on purpose). */
  const api = () => plane.api(replicas[0]);

  /**
   * A stack on tag 1 made through `through`'s replica, tags 2 and 3 pushed to the registry from
   * `publisher`, and the push of tag 2 accepted by `through`: a rollout in flight.
   */
  async function rolloutInFlight(name: string, publisher: ClusterNode, through: ClusterNode, compose: Parameters<typeof spreadCompose>[2]) {
    const path = `acme/${name}`;
    publish(publisher, path, '1');
    const v2 = publish(publisher, path, '2');
    const v3 = publish(publisher, path, '3');
    const stack = await UserStack.create(plane, plane.api(through), admin, name, spreadCompose(path, '1', compose));
    const answer = await deliver(plane.api(through), stack.autoUpdateUrl, distributionPush(path, '2', v2.digest));
    expect(answer.status).toBe(202);
    return { stack, path, v2, v3, answer };
  }

  it('two replicas given the same push at once roll it once; different pushes at once roll one after the other', async () => {
    const path = 'acme/both';
    publish(cluster.nodes[0], path, '1');
    const v2 = publish(cluster.nodes[0], path, '2');
    const stack = await UserStack.create(plane, api(), admin, 'both', spreadCompose(path, '1'));
    const [a, b] = replicas.map((node) => plane.api(node));

    const same = distributionPush(path, '2', v2.digest);
    const answers = await Promise.all([deliver(a, stack.autoUpdateUrl, same), deliver(b, stack.autoUpdateUrl, same)]);
    // Distribution waits 1 s for an answer: both are 202, naming the one deployment.
    expect(answers.map((r) => r.status)).toEqual([202, 202]);
    expect(answers[1].body.data.deploymentId).toBe(answers[0].body.data.deploymentId);
    const first = await stack.finished(api, answers[0].body.data.deploymentId);
    expect(first).toMatchObject({ status: 'succeeded', tag: '2' });

    const v3 = publish(cluster.nodes[0], path, '3');
    const v4 = publish(cluster.nodes[0], path, '4');
    const [r3, r4] = await Promise.all([deliver(a, stack.autoUpdateUrl, distributionPush(path, '3', v3.digest)), deliver(b, stack.autoUpdateUrl, distributionPush(path, '4', v4.digest))]);
    // 202 with the deployment, or (Distribution gets 200 for a finished rollout) 200 once the later push
    // superseded it while it was still queued.
    for (const r of [r3, r4]) expect([r.status, r.body.code]).toEqual(r.status === 200 ? [200, expect.any(Number)] : [202, 0]);
    const ids = (await stack.deployments(api())).filter((d) => d.tag === '3' || d.tag === '4').map((d) => d.id);
    expect(ids).toHaveLength(2);
    const [d4, d3] = await Promise.all(ids.map((id) => stack.finished(api, id)));
    // One after the other, never overlapping (or the later one superseded the earlier while queued).
    const statuses = [d3.status, d4.status].sort();
    expect([['succeeded', 'succeeded'], ['succeeded', 'superseded']]).toContainEqual(statuses);
    if (statuses[1] === 'succeeded') {
      const [earlier, later] = [d3, d4].sort((x, y) => Date.parse(x.startedAt!) - Date.parse(y.startedAt!));
      expect(Date.parse(later.startedAt!)).toBeGreaterThanOrEqual(Date.parse(earlier.finishedAt!));
    }
    const history = await stack.deployments(api());
    expect(history.filter((d) => d.action === 'update')).toHaveLength(3);
  });

  it('the login rate limit holds across both replicas', async () => {
    const [a, b] = replicas.map((node) => plane.api(node));
    // AUTH_RATE_LIMIT_PER_USERNAME is 10 a minute, counted in the shared database: 14 wrong logins
    // alternated between the replicas get 10 answers and then only 429s (per replica it would be 14).
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await (i % 2 ? b : a).post('/web/user/login', { username: 'ghost', password: `wrong-${i}-${GOOD_PASSWORD}` })).status);
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(4).fill(429)]);
  });

  it('a manager running an app replica lost: the other replica serves and rolls pushes, and nothing stays running', async () => {
    const dbNode = (await plane.tasks(DB_SERVICE))[0].node;
    const lost = replicas.find((n) => n.name !== dbNode)!;
    const survivor = replicas.find((n) => n !== lost)!;
    // A rollout runs on the replica about to be lost.
    const { stack, path, v3, answer } = await rolloutInFlight('ha', survivor, lost, { monitor: '4s', delay: '2s', maxPerNode: 3 });
    const lostAt = Date.now();
    lost.powerOff();
    replicas = [survivor];
    try {
      const served = await plane.api(survivor).get('/web/user/me', admin.authorization);
      expect(served.body.code).toBe(0);
      const first = await stack.finished(api, answer.body.data.deploymentId, 180_000);
      console.log(`manager ${lost.name} with an app replica lost: its deployment ${first.status} after ${elapsed(lostAt)}${first.error ? `: ${first.error}` : ''}`);
      expect(FINAL_AFTER_LOSS).toContain(first.status);

      const next = await deliver(api(), stack.autoUpdateUrl, distributionPush(path, '3', v3.digest));
      expect(next.status).toBe(202);
      const done = await stack.finished(api, next.body.data.deploymentId, 180_000);
      console.log(`push after the loss: ${done.status} ${elapsed(lostAt)} after the loss${done.error ? `: ${done.error}` : ''}`);
      expect(done).toMatchObject({ status: 'succeeded', tag: '3' });
      expect((await stack.deployments(api())).filter((d) => d.status === 'running' || d.status === 'queued')).toEqual([]);
    } finally {
      // The next scenario needs all three managers, whatever happened here.
      await lost.startEngine(cluster.insecureRegistries);
      replicas = await plane.waitForReplicas(2, 180_000);
    }
  }, WAITS_INSIDE_AND_MORE);

  it('the leader partitioned from the other managers: a new leader is elected, the rollout in flight ends cleanly, the next push works', async () => {
    const leader = await cluster.leader();
    const survivor = replicas.find((n) => n !== leader)!;
    // A rollout in flight through the replica that stays, then the leader cut off.
    const { stack, path, v2, v3, answer: inFlight } = await rolloutInFlight('split', survivor, survivor, { maxPerNode: 3 });
    const cutAt = Date.now();
    leader.cutLink();
    replicas = [survivor];
    try {
      let newLeader: ClusterNode | undefined;
      await eventually(async () => (newLeader = await cluster.leader().catch(() => undefined)) !== undefined && newLeader !== leader, 'a new leader', 120_000, 1000);
      console.log(`leader ${leader.name} partitioned: ${newLeader!.name} leads after ${elapsed(cutAt)}`);
      const first = await stack.finished(api, inFlight.body.data.deploymentId, 240_000);
      const followed = first.output.some((line) => line.startsWith('docker stopped following'));
      console.log(`the rollout in flight at the cut: ${first.status} ${elapsed(cutAt)} after it${followed ? ' (followed after docker gave up)' : ''}${first.error ? `: ${first.error}` : ''}`);
      // Swarm's state says which: the service runs tag 2 exactly when the deployment says it succeeded.
      const spec = (await plane.manager()).docker('service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', stack.service).trim();
      if (first.status === 'succeeded') expect(spec.split('@')[0]).toBe(`${v2.repository}:2`);
      else expect(first).toMatchObject({ status: expect.stringMatching(/^(failed|rolled_back)$/), error: expect.any(String) });

      const answer = await deliver(api(), stack.autoUpdateUrl, distributionPush(path, '3', v3.digest));
      expect(answer.status).toBe(202);
      const done = await stack.finished(api, answer.body.data.deploymentId, 240_000);
      console.log(`push after the partition: ${done.status} ${elapsed(cutAt)} after the cut${done.error ? `: ${done.error}` : ''}`);
      expect(done).toMatchObject({ status: 'succeeded', tag: '3' });
    } finally {
      leader.restoreLink();
    }
  }, WAITS_INSIDE_AND_MORE);
});

/** What a deployment whose replica died may honestly end as: finished by it before, or recovered after. */
const FINAL_AFTER_LOSS = ['succeeded', 'interrupted'];
