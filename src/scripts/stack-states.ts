import { Injectable, Logger } from '@nestjs/common';
import { classifyDockerFailure } from '../swarm/docker-failure';
import { Ownership } from '../swarm/stack-ownership';
import { StackSnapshot, SwarmObjectsService } from '../swarm/swarm-objects.service';
import { StackState, SwarmService } from '../swarm/swarm.service';
import { OwnedStack, StackOwnership } from '../tenancy/stack-ownership.service';
import { ScriptDetailDto } from './dto/script.dto';

/** A script's stack as the API shows it: its live state, or null and why docker could not say. */
export type StackView = Pick<ScriptDetailDto, 'stack' | 'stackError'>;

/** The detail waits this long for docker before answering without the stack's state. */
const DETAIL_TIMEOUT_MS = 10_000;
/** A page of scripts waits less: a list polled by a dashboard should not hang on docker. */
const PAGE_TIMEOUT_MS = 5_000;
/** How long a read is reused: fresh enough to watch a rollout, cheap under load. */
const REUSE_MS = 2_000;
const ABSENT: StackSnapshot = { services: [], volumes: [] };

interface SharedRead<T> {
  read: Promise<T>;
  until: number;
}

/**
 * The live state of scripts' stacks, read from docker. Reads are shared: every request for the same
 * thing while one is in flight, and for REUSE_MS after it, gets its answer, so a burst of requests
 * does not start a docker process each.
 */
@Injectable()
export class StackStates {
  private readonly logger = new Logger(StackStates.name);
  /** Detail reads, by stack name. */
  private readonly stackReads = new Map<string, SharedRead<StackView>>();
  private swarmRead?: SharedRead<Map<string, StackSnapshot>>;

  constructor(
    private readonly swarm: SwarmService,
    private readonly objects: SwarmObjectsService,
    private readonly ownership: StackOwnership,
  ) {}

  /** One script's stack (the detail): `docker stack services` and the stack's ownership labels. */
  forScript(script: OwnedStack): Promise<StackView> {
    const stack = script.serviceName;
    const cached = this.stackReads.get(stack);
    if (cached && cached.until > Date.now()) return cached.read;
    const entry = share(this.readOne(script));
    this.stackReads.set(stack, entry);
    return entry.read;
  }

  /**
   * A page of scripts' stacks, from one read of every stack on the swarm (whatever the page size);
   * when docker cannot answer, each is null with the reason.
   */
  async forPage(scripts: OwnedStack[]): Promise<StackView[]> {
    if (!scripts.length) return [];
    if (!this.swarmRead || this.swarmRead.until <= Date.now()) this.swarmRead = share(this.objects.everyStack({ timeoutMs: PAGE_TIMEOUT_MS }));
    try {
      const stacks = await this.swarmRead.read;
      return scripts.map((script) => {
        const resources = stacks.get(script.serviceName) ?? ABSENT;
        return stackView(script.serviceName, this.ownership.judgeResources(script, resources), resources.services);
      });
    } catch (err) {
      const stackError = this.failure('the stacks on the swarm', err);
      return scripts.map(() => ({ stack: null, stackError }));
    }
  }

  private async readOne(script: OwnedStack): Promise<StackView> {
    const stack = script.serviceName;
    try {
      const [state, ownership] = await Promise.all([this.swarm.stackState(stack, { timeoutMs: DETAIL_TIMEOUT_MS }), this.ownership.judge(script)]);
      return stackView(stack, ownership, state.services);
    } catch (err) {
      return { stack: null, stackError: this.failure(`stack ${stack}`, err) };
    }
  }

  private failure(what: string, err: unknown): string {
    const { message } = classifyDockerFailure(err);
    this.logger.warn(`cannot read the state of ${what}: ${message}`);
    return message.length > 300 ? `${message.slice(0, 299)}…` : message;
  }
}

/** Shared until it settles, then for REUSE_MS more. */
function share<T>(read: Promise<T>): SharedRead<T> {
  const entry = { read, until: Infinity };
  const settled = () => (entry.until = Date.now() + REUSE_MS);
  read.then(settled, settled);
  return entry;
}

/** A stack of the script's name that is not the script's is not shown: it is someone else's. */
function stackView(stack: string, ownership: Ownership, services: StackState['services']): StackView {
  if (ownership.kind === 'foreign') return { stack: null, stackError: `a stack named ${stack} runs on the swarm but is not this script's (40912)` };
  return {
    stack: {
      deployed: services.length > 0,
      services: services.map(({ name, image, mode, replicas }) => ({ name, image, mode, running: replicas.running, desired: replicas.desired })),
    },
    stackError: null,
  };
}
