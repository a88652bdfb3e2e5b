/** The set-up every multi-node scenario file shares. */
import { startRegistry, TestRegistry } from '../../support/registry';
import { ensureTestImage } from '../../support/test-images';
import { Cluster, REGISTRY_ADDRESS, REGISTRY_NETNS } from './cluster';
import { ControlPlane, User } from './control-plane';
import { APP_IMAGE, MARIADB_IMAGE } from './images';

/** The base image publish() builds its variants on (it exists on every node, so pushes only send the top layer). */
const VARIANT_BASE = 'dds-test-busybox:variant-base';

export const elapsed = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

export interface ClusterContext {
  cluster: Cluster;
  plane: ControlPlane;
  /** The first user (ADMIN), logged in. */
  admin: User;
}

/**
 * One cluster for the calling describe block: before its tests, the swarm (`managers` of three nodes
 * are managers), the test registry and the control plane with `replicas` app replicas (placed off
 * node1 when `keepOffFirstNode`, with the stack file's DDS_* variables `env`); after them, all of it
 * removed. A failed test (timeouts too) prints the swarm's state and the control plane's logs. The
 * context is filled in by the time the tests run.
 */
export function withControlPlane(opts: { managers: number; replicas: number; keepOffFirstNode?: boolean; env?: Record<string, string> }): ClusterContext {
  const ctx = {} as ClusterContext;
  let registry: TestRegistry | undefined;

  beforeAll(async () => {
    const started = Date.now();
    ctx.cluster = await Cluster.start({ managers: opts.managers });
    registry = await startRegistry(null, { namespace: { netns: REGISTRY_NETNS, address: REGISTRY_ADDRESS } });
    ensureTestImage(VARIANT_BASE);
    await ctx.cluster.loadImages([APP_IMAGE, MARIADB_IMAGE, VARIANT_BASE]);
    ctx.plane = await ControlPlane.deploy(ctx.cluster, opts.replicas, opts.keepOffFirstNode ? ctx.cluster.nodes[0] : undefined, opts.env);
    const replicas = await ctx.plane.readyReplicas();
    ctx.admin = await ctx.plane.user(ctx.plane.api(replicas[0]), 'admin');
    console.log(`${opts.managers} manager(s), ${replicas.length} app replica(s) ready on ${replicas.map((n) => n.name).join(', ')} in ${elapsed(started)}`);
  }, 600_000);

  afterEach(async () => {
    if (ctx.plane && (globalThis as { clusterTestFailed?: boolean }).clusterTestFailed) console.log(await ctx.plane.report());
  });

  afterAll(async () => {
    await registry?.stop();
    await ctx.cluster?.stop();
  }, 120_000);

  return ctx;
}
