import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { pause } from '../common/pause';
import { dockerConfig } from '../config/docker.config';
import { registriesConfig } from '../config/registries.config';
import { RegistryAccess } from '../registries/registry-access.service';
import { parseComposeFile } from '../scripts/compose/compose-file';
import { buildDeployOverride, stackSecretRefs } from '../scripts/compose/deploy-override';
import { Script } from '../scripts/entities/script.entity';
import { ScriptsService } from '../scripts/scripts.service';
import { DockerCliError } from '../swarm/docker-cli';
import { classifyDockerFailure } from '../swarm/docker-failure';
import { imageReference, sameImage } from '../swarm/image-reference';
import { OutputCollapser } from '../swarm/output';
import { Ownership } from '../swarm/stack-ownership';
import { SwarmObjectsService } from '../swarm/swarm-objects.service';
import { SwarmService } from '../swarm/swarm.service';
import { StackSecretStore } from '../tenancy/stack-secret-store';
import { foreignStackError, StackOwnership } from '../tenancy/stack-ownership.service';
import { Deployment, DeploymentStatus } from './entities/deployment.entity';
import { STALL_WATCH, StalledUpdate, StallWatchOptions, watchForStall } from './stall-watch';

/** Why a run was stopped, given as its AbortSignal's reason: the message is recorded as the error. */
export class DeploymentStopped extends Error {}

export interface ExecutionContext {
  /** Every kept (collapsed) output line, as it arrives. */
  onLine(line: string): void;
  /** Aborting stops docker; the deployment is then interrupted, for the DeploymentStopped reason given. */
  signal: AbortSignal;
  /** Epoch ms by which the whole operation must be over (DEPLOY_TIMEOUT_SECONDS). */
  deadline: number;
}

export interface ExecutionResult {
  status: Extract<DeploymentStatus, 'succeeded' | 'failed' | 'rolled_back' | 'interrupted'>;
  error?: string;
  errorCode?: number;
  /** The digest an update was pinned to (recorded on the deployment). */
  digest?: string;
  /** What the first service of an update ran before (recorded on the deployment). */
  previousImage?: string;
}

// docker CLI 26+ says this on every `stack deploy` without --detach; older CLIs reject the flag, so
// the notice is dropped instead of passing --detach.
const CLI_NOTICES = new Set([
  'Since --detach=false was not specified, tasks will be created in the background.',
  'In a future release, --detach=false will become the default.',
]);
/** How long to wait for UpdateStatus to settle after the CLI returned (a rollback may still be finishing). */
const SETTLE_MS = 30_000;
const SETTLE_POLL_MS = 500;
/** How often an update the CLI stopped following is read (each read runs two docker commands). */
const FOLLOW_POLL_MS = 2_000;
/** `docker stack rm` runs while a stack's last tasks still hold its network: retried for up to ~30 s. */
const REMOVE_ATTEMPTS = 30;
const REMOVE_RETRY_MS = 1000;
/** Task errors that name why a new image did not run, preferred over the engine's clean-up noise. */
const ROOT_CAUSE = /no such image|manifest unknown|not found|pull access denied|unauthorized|non-zero exit|starting container failed|exec format|oci runtime/i;
const PULL_FAILURE = /no such image|manifest unknown|not found|pull access denied|unauthorized/i;

/** docker stack rm removed the services but not a network that a stopping task still holds. */
function networkStillInUse(err: unknown): boolean {
  return err instanceof DockerCliError && /is in use by task|has active endpoints/i.test(err.result.stderr);
}

/** Runs one claimed deployment against the swarm and decides its result from facts. */
@Injectable()
export class DeploymentExecutor {
  constructor(
    private readonly swarm: SwarmService,
    private readonly objects: SwarmObjectsService,
    private readonly ownership: StackOwnership,
    private readonly secrets: StackSecretStore,
    private readonly scripts: ScriptsService,
    private readonly registries: RegistryAccess,
    @Inject(dockerConfig.KEY) private readonly config: ConfigType<typeof dockerConfig>,
    @Inject(registriesConfig.KEY) private readonly pinning: ConfigType<typeof registriesConfig>,
  ) {}

  /** How a rolling update is watched for a task it can never get running (shorter in tests). */
  stallWatch: StallWatchOptions = STALL_WATCH;

  /**
   * Every action first reads who owns the stack from the swarm (under the stack's lock): a stack that
   * is not the script's is never touched, except by an explicit adoption.
   */
  async execute(d: Deployment, ctx: ExecutionContext): Promise<ExecutionResult> {
    try {
      const script = d.scriptId === null ? null : await this.scripts.findById(d.scriptId);
      if (!script) return { status: 'failed', error: 'the script was deleted before the deployment ran', errorCode: Errors.DEPLOYMENT_FAILED.code };
      const ownership = await this.ownership.judge(script);
      if (d.action === 'adopt') return await this.adopt(script, ownership, ctx);
      if (ownership.kind === 'foreign') {
        const refused = foreignStackError(ownership.reason);
        return { status: 'failed', error: refused.message, errorCode: Errors.STACK_NOT_OURS.code };
      }
      if (d.action === 'create') return await this.create(script, ctx);
      if (d.action === 'remove') return await this.remove(d, ctx);
      return await this.update(d, script, ctx);
    } catch (err) {
      return this.failure(err, ctx.signal);
    }
  }

  /** Deploys the user's compose file as written, merged with this service's labels and stack secrets. */
  private async create(script: Script, ctx: ExecutionContext): Promise<ExecutionResult> {
    const compose = parseComposeFile(script.composeContent);
    const current = new Map((await this.secrets.list(script.id)).map((s) => [s.name, s.swarmName]));
    const refs = stackSecretRefs(compose, [...current.keys()]);
    const override = buildDeployOverride(compose, {
      serviceLabels: this.ownership.serviceLabels(script),
      volumeLabels: this.ownership.volumeLabels(script),
      secrets: Object.fromEntries(Object.entries(refs).map(([key, name]) => [key, current.get(name)!])),
    });
    const files = [
      await this.swarm.writeComposeFile(script.serviceName, script.composeContent),
      await this.swarm.writeComposeFile(script.serviceName, override, 'docker-compose.dds.yml'),
    ];
    // The owner's registry logins go with the deploy, so every node can pull private images.
    const images = (script.images ?? []).map((i) => i.image);
    await this.registries.withLogins(script.userId, images, ({ configDir }) =>
      this.swarm.deployStack(script.serviceName, files, { ...this.runOptions(ctx, (line) => !CLI_NOTICES.has(line)), configDir }),
    );
    // Secret versions the stack no longer uses (docker keeps one in use until its tasks are replaced).
    await this.secrets.prune(script).catch(() => undefined);
    return { status: 'succeeded' };
  }

  /** An ADMIN's explicit takeover: labels every service of the stack as this script's; tasks keep running. */
  private async adopt(script: Script, ownership: Ownership, ctx: ExecutionContext): Promise<ExecutionResult> {
    if (ownership.kind === 'absent') {
      return { status: 'failed', error: `no stack ${script.serviceName} runs on the swarm: nothing to adopt`, errorCode: Errors.STACK_NOT_DEPLOYED.code };
    }
    const { services } = ownership;
    if (ownership.kind === 'owned') ctx.onLine(`stack ${script.serviceName} already belongs to this script`);
    else await this.objects.labelServices(services, this.ownership.serviceLabels(script), this.runOptions(ctx));
    for (const service of services) ctx.onLine(`adopted ${service}`);
    return { status: 'succeeded' };
  }

  private async remove(d: Deployment, ctx: ExecutionContext): Promise<ExecutionResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.swarm.removeStack(d.serviceName, this.runOptions(ctx));
        return { status: 'succeeded' };
      } catch (err) {
        // The services are gone; running it again removes the network once its tasks have stopped.
        if (!networkStillInUse(err) || attempt >= REMOVE_ATTEMPTS || ctx.signal.aborted || Date.now() + REMOVE_RETRY_MS >= ctx.deadline) throw err;
        await new Promise((r) => setTimeout(r, REMOVE_RETRY_MS));
      }
    }
  }

  /**
   * Rolls each target service in turn to `repo:tag@digest`, the digest asked of the registry (and
   * checked against the push's); stops at the first service that does not succeed.
   */
  private async update(d: Deployment, script: Script, ctx: ExecutionContext): Promise<ExecutionResult> {
    const repository = d.image ?? '';
    const tag = d.tag ?? '';
    return this.registries.withLogins(script.userId, [`${repository}:${tag}`], async ({ configDir, pinDigest }) => {
      let digest = d.digest;
      if (this.pinning.pinDigests) {
        digest = await pinDigest(repository, tag, d.digest, ctx.signal);
        ctx.onLine(`${repository}:${tag} is ${digest} in the registry; rolling to that digest`);
      }
      // Without pinning, docker resolves the tag itself; a push's digest is then only recorded.
      const ref = imageReference({ repository, tag, digest: this.pinning.pinDigests ? digest : null });
      let result: ExecutionResult = { status: 'succeeded' };
      let previousImage: string | undefined;
      for (const service of d.services ?? []) {
        result = await this.updateOne(service, ref, ctx, configDir);
        previousImage ??= result.previousImage;
        if (result.status !== 'succeeded') break;
      }
      return { ...result, ...(digest && { digest }), ...(previousImage && { previousImage }) };
    });
  }

  private async updateOne(service: string, ref: string, ctx: ExecutionContext, configDir: string): Promise<ExecutionResult> {
    const before = await this.swarm.inspectUpdate(service);
    if (!before) {
      return { status: 'failed', error: `service ${service} does not exist: deploy the stack first (createService)`, errorCode: Errors.STACK_NOT_DEPLOYED.code };
    }
    const rollback = this.config.rollbackOnFailure;
    const previousImage = before.image;
    // The CLI waits for the update; a task that can never run (its node lost, or no node for it)
    // would keep it waiting until the deadline.
    const updating = new AbortController();
    const stop = () => updating.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', stop, { once: true });
    let stalled: StalledUpdate | undefined;
    const watch = watchForStall(this.swarm, service, ref, updating.signal, this.stallWatch).then((found) => {
      stalled = found;
      if (found) updating.abort();
    });
    try {
      await this.swarm.updateService(service, ref, { ...this.runOptions(ctx), signal: updating.signal, rollback, configDir });
    } catch (err) {
      // A non-zero exit (e.g. "update paused") is read from UpdateStatus below; an engine that is
      // down, a timeout or a shutdown are final.
      const { kind, message } = classifyDockerFailure(err);
      if (!stalled && kind === 'unavailable' && !ctx.signal.aborted) {
        // The update was handed to the engine before it went: the swarm's other managers may carry it on.
        const error = `${message}; it went away while the update of ${service} to ${ref} was under way: the swarm may still be applying it, check the service`;
        return { status: 'failed', error, errorCode: Errors.DOCKER_UNAVAILABLE.code, previousImage };
      }
      if (!stalled && kind !== 'failed') throw err;
      if (!stalled) await this.follow(service, ref, message, ctx, updating.signal);
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      updating.abort();
      await watch;
    }
    if (stalled) return this.stalledResult(service, ref, stalled, ctx, previousImage);
    const after = await this.settle(service, ctx);
    if (!after) return { status: 'failed', error: `service ${service} disappeared during the update`, errorCode: Errors.DEPLOYMENT_FAILED.code };
    const runsTarget = sameImage(after.image, ref);
    if ((after.outcome === 'succeeded' || after.outcome === 'none') && runsTarget) return { status: 'succeeded', previousImage };
    // Swarm keeps an update "in progress" while a lost node still holds a task it cannot stop, even
    // once every task that should run does, on the new image, elsewhere: that is a finished update.
    if (after.outcome === 'in_progress' && runsTarget && (await this.allRunning(service, ref))) {
      ctx.onLine(`every task of ${service} runs ${ref}; swarm still lists the update in progress (a node is down)`);
      return { status: 'succeeded', previousImage };
    }
    const why = await this.explainFailure(service, ref);
    // Rolled back means the service is back on its previous image: check it rather than trust the state.
    if (after.outcome === 'rolled_back' && !runsTarget) {
      return {
        status: 'rolled_back',
        error: `${service}: the update to ${ref} failed${why} and was rolled back; the service runs ${after.image}`,
        errorCode: Errors.DEPLOYMENT_ROLLED_BACK.code,
        previousImage,
      };
    }
    const state = after.state ? ` (update state ${after.state}: ${after.message})` : '';
    const left = rollback ? '' : '; ROLLBACK_ON_FAILURE is off, so the service is left as it is';
    return { status: 'failed', error: `${service}: the update to ${ref} failed${why}${state}${left}`, errorCode: Errors.DEPLOYMENT_FAILED.code, previousImage };
  }

  private stalledResult(service: string, ref: string, stalled: StalledUpdate, ctx: ExecutionContext, previousImage: string): ExecutionResult {
    const failed = (error: string): ExecutionResult => ({ status: 'failed', error, errorCode: Errors.DEPLOYMENT_FAILED.code, previousImage });
    if (stalled.lostNodes.length > 0) {
      const nodes = stalled.lostNodes.join(', ');
      ctx.onLine(`node ${nodes} is down with tasks of ${service}: the update cannot finish while it is`);
      return failed(
        `${service}: the update to ${ref} stalled because node ${nodes} is down with tasks of the service; ` +
          `swarm goes on (or rolls back) when the node returns, or after \`docker node rm --force\` of it`,
      );
    }
    ctx.onLine(`no node can take a task of ${service} (${stalled.unplaceable}): the update cannot finish until one can`);
    return failed(
      `${service}: the update to ${ref} stalled because no node can take one of its tasks (${stalled.unplaceable}); ` +
        `swarm goes on when one can: a lost node returns, or the service's placement or max_replicas_per_node allows it`,
    );
  }

  /** Every task that should run is running `ref` (and there is at least one). */
  private async allRunning(service: string, ref: string): Promise<boolean> {
    const wanted = (await this.swarm.serviceTasks(service).catch(() => [])).filter((t) => t.desiredState.toLowerCase() === 'running');
    return wanted.length > 0 && wanted.every((t) => /^running\b/i.test(t.currentState) && sameImage(t.image, ref));
  }

  /**
   * The CLI stopped following an update that goes on without it: it gives up on a manager's error such
   * as "context deadline exceeded" while the managers elect a new leader. Follows it as the CLI would,
   * until it leaves "updating", every task that should run runs `ref`, the stall watch ends it
   * (`signal`) or the deadline comes; read errors (no leader yet) are waited out.
   */
  private async follow(service: string, ref: string, why: string, ctx: ExecutionContext, signal: AbortSignal): Promise<void> {
    const stillUpdating = async () => {
      const state = await this.swarm.inspectUpdate(service).catch(() => undefined);
      if (state === undefined) return true;
      // Another image's update in progress is not this one: the CLI failed before this one began.
      if (state?.outcome !== 'in_progress' || !sameImage(state.image, ref)) return false;
      return !(await this.allRunning(service, ref));
    };
    if (!(await stillUpdating())) return;
    ctx.onLine(`docker stopped following the update of ${service} (${why}); the swarm goes on with it: following it until it ends`);
    while (!signal.aborted && Date.now() + FOLLOW_POLL_MS < ctx.deadline) {
      await pause(FOLLOW_POLL_MS, signal);
      if (signal.aborted || !(await stillUpdating())) return;
    }
  }

  /** Reads UpdateStatus until it stops moving (docker may exit before the rollback is recorded). */
  private async settle(service: string, ctx: ExecutionContext) {
    const until = Math.min(Date.now() + SETTLE_MS, ctx.deadline);
    for (;;) {
      const state = await this.swarm.inspectUpdate(service);
      if (!state || state.outcome !== 'in_progress' || Date.now() >= until || ctx.signal.aborted) return state;
      await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
    }
  }

  /**
   * The error of the newest failed task of the new image: "No such image: ...", "task: non-zero exit
   * (1)"; a root cause is preferred over clean-up errors such as "error while removing network".
   */
  private async explainFailure(service: string, ref: string): Promise<string> {
    const tasks = (await this.swarm.serviceTasks(service).catch(() => [])).filter((t) => t.error && sameImage(t.image, ref));
    const failed = tasks.find((t) => ROOT_CAUSE.test(t.error)) ?? tasks[0];
    if (!failed) return '';
    if (PULL_FAILURE.test(failed.error)) {
      return ` because the image could not be found or pulled (${failed.error})`;
    }
    return ` because its task did not start (${failed.error})`;
  }

  private runOptions(ctx: ExecutionContext, keep: (line: string) => boolean = () => true) {
    const collapser = new OutputCollapser();
    return {
      signal: ctx.signal,
      timeoutMs: Math.max(1, ctx.deadline - Date.now()),
      onLine: (raw: string) => {
        const line = collapser.push(raw);
        if (line !== null && keep(line)) ctx.onLine(line);
      },
    };
  }

  private failure(err: unknown, signal: AbortSignal): ExecutionResult {
    // Stopped on purpose (shutdown, a lost stack lock): whatever failed then, the stop is why.
    if (signal.aborted && signal.reason instanceof DeploymentStopped) {
      return { status: 'interrupted', error: signal.reason.message, errorCode: Errors.DEPLOYMENT_INTERRUPTED.code };
    }
    // A refusal decided before anything ran (registry lookups): its own code and sentence.
    if (err instanceof AppError) return { status: 'failed', error: err.detail?.en ?? err.message, errorCode: err.error.code };
    const { kind, message } = classifyDockerFailure(err);
    switch (kind) {
      case 'unavailable':
        return { status: 'failed', error: message, errorCode: Errors.DOCKER_UNAVAILABLE.code };
      case 'timeout':
        return {
          status: 'failed',
          error: `${message} (DEPLOY_TIMEOUT_SECONDS=${this.config.deployTimeoutSeconds}); the swarm may still be applying the change`,
          errorCode: Errors.DEPLOYMENT_TIMEOUT.code,
        };
      case 'aborted':
        return { status: 'interrupted', error: message, errorCode: Errors.DEPLOYMENT_INTERRUPTED.code };
      default:
        return { status: 'failed', error: message, errorCode: Errors.DEPLOYMENT_FAILED.code };
    }
  }
}
