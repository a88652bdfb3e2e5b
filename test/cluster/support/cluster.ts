/**
 * A real multi-node Docker swarm on this one machine: each node is its own Docker engine in its own
 * network, UTS and mount namespaces (node-engine.sh), with its own data root, on one bridge that lives in
 * a namespace of its own. The machine's own engine is never touched. Measured facts behind the choices
 * (no IPVS, so host-mode ports and dnsrr; nsenter rather than `ip netns exec`): ../shared/toolchain.md.
 *
 *   192.168.77.11-13   the nodes (node1..node3), reachable from the test through
 *   192.168.77.254     the machine's end of a veth into the bridge
 *   192.168.77.250     the bridge namespace itself, where the test registry listens
 *
 * Traffic goes only to these addresses, inside namespaces this harness made, and everything is removed
 * afterwards (`stop()` fails if anything is left).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PREFIX = 'ddsc';
const SUBNET = '192.168.77';
const BRIDGE_NETNS = `${PREFIX}-br`;
const HOST_LINK = `${PREFIX}-host`;
const DATA_ROOT = `/var/lib/${PREFIX}`;
const RUN_ROOT = `/run/${PREFIX}`;
const ENGINE_SCRIPT = join(__dirname, 'node-engine.sh');

/** Where the test registry listens, inside the bridge namespace: every node reaches it. */
export const REGISTRY_NETNS = BRIDGE_NETNS;
export const REGISTRY_ADDRESS = `${SUBNET}.250`;
export const REGISTRY_HOST = `${REGISTRY_ADDRESS}:5000`;

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with an argv array, asynchronously (the event loop keeps serving the test's receivers). */
export function run(cmd: string, args: string[], opts: { input?: Buffer | string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${err.message}`));
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(opts.input);
  });
}

/** Runs a command synchronously; throws with its stderr unless it exits 0. */
export function sh(cmd: string, ...args: string[]): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  if (res.error) throw new Error(`${cmd} ${args.join(' ')}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}: ${res.stderr.trim()}`);
  return res.stdout;
}

const quietly = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ClusterNode {
  readonly name: string;
  readonly netns: string;
  readonly address: string;
  readonly socket: string;
  private readonly dataRoot: string;
  private readonly execRoot: string;
  private readonly configFile: string;

  constructor(readonly index: number) {
    this.name = `node${index}`;
    this.netns = `${PREFIX}-n${index}`;
    this.address = `${SUBNET}.${10 + index}`;
    this.socket = `${RUN_ROOT}/n${index}.sock`;
    this.dataRoot = `${DATA_ROOT}/n${index}`;
    this.execRoot = `${RUN_ROOT}/n${index}`;
    this.configFile = `${RUN_ROOT}/n${index}.json`;
  }

  /** This node's docker CLI, synchronously; throws unless it exits 0. */
  docker(...args: string[]): string {
    return sh('docker', '-H', `unix://${this.socket}`, ...args);
  }

  /** Ids of the running containers of one swarm service on this node. */
  containersOf(service: string): string[] {
    return this.docker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`).split('\n').filter(Boolean);
  }

  /** This node's docker CLI without throwing (a node may be down on purpose). */
  dockerAsync(args: string[], timeoutMs = 60_000): Promise<Result> {
    return run('docker', ['-H', `unix://${this.socket}`, ...args], { timeoutMs });
  }

  /** Creates the node's namespace and its veth into the bridge (once). */
  plug(): void {
    sh('ip', 'netns', 'add', this.netns);
    sh('ip', 'link', 'add', this.netns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.netns);
    sh('ip', 'link', 'set', this.netns, 'netns', BRIDGE_NETNS);
    sh('ip', '-n', BRIDGE_NETNS, 'link', 'set', this.netns, 'master', 'br0', 'up');
    sh('ip', '-n', this.netns, 'addr', 'add', `${this.address}/24`, 'dev', 'eth0');
    sh('ip', '-n', this.netns, 'link', 'set', 'lo', 'up');
    this.restoreLink();
  }

  /** Starts (or restarts, on the same data root) the node's engine and waits until it answers. */
  async startEngine(insecureRegistries: string[]): Promise<void> {
    mkdirSync(this.dataRoot, { recursive: true });
    writeFileSync(this.configFile, JSON.stringify({ 'insecure-registries': insecureRegistries }));
    const log = openSync(`${this.execRoot}.log`, 'a');
    const child = spawn(
      'nsenter',
      [`--net=/run/netns/${this.netns}`, 'unshare', '--uts', '--mount', '--propagation', 'unchanged', ENGINE_SCRIPT,
        this.name, this.dataRoot, this.execRoot, this.socket, `172.30.${this.index}.1/24`, this.configFile],
      { detached: true, stdio: ['ignore', log, log] },
    );
    child.unref();
    closeSync(log);
    const end = Date.now() + 30_000;
    while ((await this.dockerAsync(['info', '--format', '{{.ID}}'], 5_000)).status !== 0) {
      if (Date.now() > end) throw new Error(`the engine of ${this.name} did not answer within 30 s: ${this.logTail()}`);
      await sleep(200);
    }
  }

  /** The engine's pid (dockerd), or undefined when it is not running. */
  enginePid(): number | undefined {
    try {
      const pid = Number(readFileSync(`${this.execRoot}.pid`, 'utf8').trim());
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  /** The engine crashes: dockerd and its containerd die; containers keep running, as after a real crash. */
  killEngine(): void {
    quietly('pkill', '-KILL', '-f', `^(dockerd|containerd) .*${this.execRoot}[/. ]`);
    quietly('pkill', '-KILL', '-f', `^/bin/bash ${ENGINE_SCRIPT} ${this.name} `);
  }

  /**
   * The machine dies: its engine and every container it ran, at once. The engine is stopped first and
   * the containers killed in this process, so neither outlives the other by the time a spawned pkill
   * takes (under load the app replica used to record the dead engine's error before it died itself).
   */
  powerOff(): void {
    this.freezeEngine();
    for (const id of this.containerIds()) killCgroup(id);
    this.killEngine();
    quietly('pkill', '-KILL', '-f', `containerd-shim.* -address ${this.execRoot}/`);
  }

  /** The engine stops answering (its process frozen) while its containers run on. */
  freezeEngine(): void {
    const pid = this.enginePid();
    if (pid) process.kill(pid, 'SIGSTOP');
  }

  thawEngine(): void {
    const pid = this.enginePid();
    if (pid) process.kill(pid, 'SIGCONT');
  }

  /** Cuts the node's only link: it keeps running, alone. */
  cutLink(): void {
    sh('ip', '-n', this.netns, 'link', 'set', 'eth0', 'down');
  }

  restoreLink(): void {
    sh('ip', '-n', this.netns, 'link', 'set', 'eth0', 'up');
    quietly('ip', '-n', this.netns, 'route', 'replace', 'default', 'via', `${SUBNET}.254`);
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(`${this.execRoot}.log`, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** The ids of every container this node's engine ever made (its data root lists them). */
  containerIds(): string[] {
    const dir = join(this.dataRoot, 'containers');
    return existsSync(dir) ? readdirSync(dir) : [];
  }
}

/** Kills every process of one container through its cgroups (cgroup v1 or v2) and removes them. */
function killCgroup(containerId: string): void {
  if (!/^[0-9a-f]{64}$/.test(containerId)) return;
  for (const dir of cgroupDirs(containerId)) {
    for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}

function cgroupDirs(containerId: string): string[] {
  const root = '/sys/fs/cgroup';
  const candidates = [join(root, 'docker', containerId), join(root, 'system.slice', `docker-${containerId}.scope`)];
  for (const controller of readdirSync(root)) candidates.push(join(root, controller, 'docker', containerId));
  return candidates.filter((dir) => existsSync(join(dir, 'cgroup.procs')));
}

export interface ClusterOptions {
  /** How many of the nodes are managers (node1 first); the rest join as workers. */
  managers: number;
  nodes?: number;
}

export class Cluster {
  private constructor(readonly nodes: ClusterNode[]) {}

  /**
   * Builds the network, starts the engines and joins them into one swarm. Anything a crashed earlier
   * run left behind is removed first.
   */
  static async start({ managers, nodes = 3 }: ClusterOptions): Promise<Cluster> {
    assertTools();
    removeEverything();
    mkdirSync(RUN_ROOT, { recursive: true });
    sh('ip', 'netns', 'add', BRIDGE_NETNS);
    sh('ip', '-n', BRIDGE_NETNS, 'link', 'add', 'br0', 'type', 'bridge');
    sh('ip', '-n', BRIDGE_NETNS, 'addr', 'add', `${REGISTRY_ADDRESS}/24`, 'dev', 'br0');
    sh('ip', '-n', BRIDGE_NETNS, 'link', 'set', 'br0', 'up');
    sh('ip', '-n', BRIDGE_NETNS, 'link', 'set', 'lo', 'up');
    sh('ip', 'link', 'add', HOST_LINK, 'type', 'veth', 'peer', 'name', `${PREFIX}-up`, 'netns', BRIDGE_NETNS);
    sh('ip', '-n', BRIDGE_NETNS, 'link', 'set', `${PREFIX}-up`, 'master', 'br0', 'up');
    sh('ip', 'addr', 'add', `${SUBNET}.254/24`, 'dev', HOST_LINK);
    sh('ip', 'link', 'set', HOST_LINK, 'up');

    const cluster = new Cluster(Array.from({ length: nodes }, (_, i) => new ClusterNode(i + 1)));
    for (const node of cluster.nodes) node.plug();
    await Promise.all(cluster.nodes.map((node) => node.startEngine(cluster.insecureRegistries)));
    const [first, ...others] = cluster.nodes;
    first.docker('swarm', 'init', '--advertise-addr', first.address);
    const tokens = { manager: first.docker('swarm', 'join-token', '-q', 'manager').trim(), worker: first.docker('swarm', 'join-token', '-q', 'worker').trim() };
    for (const [i, node] of others.entries()) {
      node.docker('swarm', 'join', '--advertise-addr', node.address, '--token', i + 1 < managers ? tokens.manager : tokens.worker, `${first.address}:2377`);
    }
    return cluster;
  }

  readonly insecureRegistries = [REGISTRY_HOST];

  node(name: string): ClusterNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  /** The current raft leader, asked of any manager that answers. */
  async leader(): Promise<ClusterNode> {
    for (const node of this.nodes) {
      const res = await node.dockerAsync(['node', 'ls', '--format', '{{.Hostname}} {{.ManagerStatus}}'], 15_000);
      const line = res.status === 0 ? res.stdout.split('\n').find((l) => l.endsWith(' Leader')) : undefined;
      if (line) return this.node(line.split(' ')[0]);
    }
    throw new Error('no manager names a leader');
  }

  /** Copies images from the machine's engine into every node (nothing can be pulled here). */
  async loadImages(refs: string[]): Promise<void> {
    const archive = join(RUN_ROOT, 'images.tar');
    sh('docker', 'save', '-o', archive, ...refs);
    try {
      const loads = await Promise.all(this.nodes.map((node) => node.dockerAsync(['load', '-q', '-i', archive], 300_000)));
      const failed = loads.findIndex((res) => res.status !== 0);
      if (failed >= 0) throw new Error(`loading images into ${this.nodes[failed].name} failed: ${loads[failed].stderr}`);
    } finally {
      rmSync(archive, { force: true });
    }
  }

  /** Removes the swarm, its engines, containers, namespaces and data; fails if anything is left. */
  async stop(): Promise<void> {
    removeEverything();
    const left = leftovers();
    if (left.length > 0) throw new Error(`the multi-node swarm left things behind: ${left.join('; ')}`);
  }
}

function assertTools(): void {
  for (const [tool, pkg] of [['ip', 'iproute2'], ['nsenter', 'util-linux'], ['unshare', 'util-linux'], ['dockerd', 'docker.io'], ['pkill', 'procps']]) {
    if (spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' }).status !== 0) {
      throw new Error(`the multi-node swarm needs ${tool}: install Debian's ${pkg} (as .ci/run does)`);
    }
  }
  if (process.getuid?.() !== 0) throw new Error('the multi-node swarm needs root (network namespaces, engines): run as root, as .ci/run does');
}

/** Kills every process of the harness (engines, shims, containers), then removes namespaces, links and data. */
function removeEverything(): void {
  const nodes = existsSync(DATA_ROOT) ? readdirSync(DATA_ROOT).map((dir) => new ClusterNode(Number(dir.slice(1)))) : [];
  quietly('pkill', '-KILL', '-f', `${RUN_ROOT}/`);
  for (const node of nodes) node.powerOff();
  const end = Date.now() + 10_000;
  while (processesLeft().length > 0 && Date.now() < end) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  for (const node of nodes) for (const id of node.containerIds()) for (const dir of cgroupDirs(id)) quietly('rmdir', dir);
  for (const netns of harnessNamespaces()) quietly('ip', 'netns', 'del', netns);
  quietly('ip', 'link', 'del', HOST_LINK);
  rmSync(DATA_ROOT, { recursive: true, force: true });
  rmSync(RUN_ROOT, { recursive: true, force: true });
}

function harnessNamespaces(): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`${PREFIX}-`)) : [];
}

function processesLeft(): string[] {
  const res = spawnSync('pgrep', ['-a', '-f', `${RUN_ROOT}/|${ENGINE_SCRIPT}`], { encoding: 'utf8' });
  return res.stdout.split('\n').filter(Boolean);
}

function leftovers(): string[] {
  const left = [...processesLeft().map((p) => `process ${p}`), ...harnessNamespaces().map((n) => `network namespace ${n}`)];
  if (spawnSync('ip', ['link', 'show', HOST_LINK], { stdio: 'ignore' }).status === 0) left.push(`link ${HOST_LINK}`);
  for (const dir of [DATA_ROOT, RUN_ROOT]) if (existsSync(dir)) left.push(`directory ${dir}`);
  return left;
}
