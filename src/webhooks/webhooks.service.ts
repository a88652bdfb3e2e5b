import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { dockerConfig } from '../config/docker.config';
import { webhooksConfig } from '../config/webhooks.config';
import { deploymentError } from '../deployments/deployment-error';
import { DeploymentIntake } from '../deployments/deployment-intake';
import { DeploymentWaits } from '../deployments/deployment-waits';
import { DeploymentsService } from '../deployments/deployments.service';
import { Deployment, isFinished } from '../deployments/entities/deployment.entity';
import { storedLines } from '../deployments/live-output';
import { MetricsService, WebhookOutcomeLabel } from '../metrics/metrics.service';
import { Script } from '../scripts/entities/script.entity';
import { ScriptsService } from '../scripts/scripts.service';
import { chooseTag, parseTagPolicy } from '../scripts/tag-policy';
import { parseImageReference } from '../swarm/image-reference';
import { DeliveryEntry, WebhookDeliveriesService } from './deliveries/webhook-deliveries.service';
import { WebhookDecision } from './deliveries/webhook-delivery.entity';
import { matchServices, RolloutTarget } from './match-services';
import { PushEvent } from './push-event';
import { formatOf } from './registries';
import { IncomingDelivery, RegistryFormat, RegistryId } from './registries/registry-format';
import { checkProof, ProofRefused } from './sender-proof';

export type WebhookOutcome = { accepted: false; data: string[] } | { accepted: true; data: { deploymentId: number; status: string } };

/** One call of the webhook URL, as the controller received it. */
export interface WebhookCall extends IncomingDelivery {
  userId: string;
  serviceName: string;
  token: string | undefined;
  /** `?source=`: forces the registry format instead of detecting it. */
  source: string | undefined;
}

/**
 * Registries that retry any non-2xx answer: a CNCF Distribution registry retries forever, holding back
 * every later notification (and it notifies one URL of the pushes to all its repositories). Once the
 * token is right, they get HTTP 200 whatever the outcome (the envelope's code still says it); a retry
 * would be refused again, or could start a failed rollout again.
 */
const RETRIES_EVERY_FAILURE: ReadonlySet<RegistryId> = new Set(['distribution']);

/** Tags of one repository considered per delivery (the newest): real pushes name a few, a hostile body thousands. */
const MAX_TAGS_PER_DELIVERY = 20;

/** How much of a registry's delivery timeout is spent waiting for the rollout; the rest covers the network. */
const ANSWER_BUDGET = 0.75;

type Entry = Omit<DeliveryEntry, 'scriptId' | 'httpStatus' | 'code'>;

/** One call on its way: the delivery log entry being built, and its metrics outcome. */
interface Progress {
  entry: Partial<Entry>;
  outcome: WebhookOutcomeLabel;
  retriesEveryFailure?: boolean;
  rolloutFinished?: boolean;
  recordedId?: number;
}

/** A refusal, with the decision the delivery log records for it. */
class Decided extends Error {
  constructor(
    readonly decision: WebhookDecision & WebhookOutcomeLabel,
    readonly error: AppError,
  ) {
    super(error.message);
  }
}

/** A push this stack runs, and the services it would roll. */
interface Match {
  push: PushEvent;
  targets: RolloutTarget[];
}

/** Matched services grouped by the repository they run (normally one group). */
function byRepository(targets: RolloutTarget[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const t of targets) groups.set(t.repository, [...(groups.get(t.repository) ?? []), t.service]);
  return groups;
}

@Injectable()
export class WebhooksService {
  constructor(
    private readonly scripts: ScriptsService,
    private readonly intake: DeploymentIntake,
    private readonly waits: DeploymentWaits,
    private readonly deployments: DeploymentsService,
    private readonly deliveries: WebhookDeliveriesService,
    @Inject(dockerConfig.KEY) private readonly docker: ConfigType<typeof dockerConfig>,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * The URL token first (an unknown user, an unknown service and a wrong token all look alike), then
   * the registry format, the sender's proof, the payload, the auto-update switch, the image match,
   * the tag policy and replays; only then is a rollout queued. Every delivery to an existing script
   * is recorded in its delivery log, and every call is counted in `dds_webhook_requests_total`.
   */
  async receive(call: WebhookCall): Promise<WebhookOutcome> {
    const progress: Progress = { entry: { receivedAt: new Date(), payload: call.rawBody, proof: 'token' }, outcome: 'error' };
    let script: Script | undefined;
    try {
      const userId = /^\d{1,15}$/.test(call.userId) ? Number(call.userId) : undefined;
      script = userId === undefined ? undefined : await this.scripts.findByWebhookName(userId, call.serviceName);
      if (!script || !this.scripts.tokenMatches(script, call.token)) {
        Object.assign(progress.entry, { decision: 'bad_token', proof: 'invalid' });
        progress.outcome = 'not_found';
        throw new AppError(Errors.WEBHOOK_NOT_FOUND);
      }
      progress.entry.decision = 'failed'; // until a step decides otherwise
      const outcome = await this.handle(script, call, progress);
      await this.record(script, progress, outcome.accepted ? 202 : 200, 0);
      return outcome;
    } catch (err) {
      if (err instanceof Decided) progress.entry.decision = progress.outcome = err.decision;
      const error = err instanceof Decided ? err.error : err;
      // Refusals and finished rollouts, not errors a retry may get past (a busy stack, the database).
      const definitive = err instanceof Decided || progress.rolloutFinished;
      const answer = error instanceof AppError && definitive && progress.retriesEveryFailure ? new AppError(error.error, error.detail, error.data, 200) : error;
      if (script && progress.entry.decision) {
        progress.entry.reason ??= error instanceof Error ? error.message : undefined;
        await this.record(script, progress, answer instanceof AppError ? (answer.status ?? answer.error.status) : 500, answer instanceof AppError ? answer.error.code : 50000);
      }
      throw answer;
    } finally {
      this.metrics.webhookOutcome(progress.outcome);
    }
  }

  private async handle(script: Script, call: WebhookCall, progress: Progress): Promise<WebhookOutcome> {
    const { entry } = progress;
    const format = this.step('invalid_payload', () => formatOf(call, call.source));
    entry.source = format.id;
    progress.retriesEveryFailure = RETRIES_EVERY_FAILURE.has(format.id);
    const secret = this.step('bad_signature', () => this.scripts.signingSecret(script));
    try {
      entry.proof = checkProof(format, call, secret, Boolean(Number(script.requireSignature)));
    } catch (err) {
      if (!(err instanceof ProofRefused)) throw err;
      entry.proof = err.proof;
      throw new Decided(err.decision, err);
    }
    const parsed = this.step('invalid_payload', () => format.parse(call));
    entry.deliveryId = parsed.deliveryId;
    const named = parsed.pushes[parsed.pushes.length - 1];
    if (named) Object.assign(entry, { repository: named.repository, tag: named.tag, digest: named.digest });
    if (!parsed.pushes.length) {
      entry.decision = progress.outcome = 'ignored';
      entry.reason = parsed.ignored ?? 'not an image push';
      return { accepted: false, data: [`ignored: ${entry.reason}`] };
    }
    if (!Number(script.isAutoUpdate)) throw new Decided('auto_update_off', new AppError(Errors.AUTO_UPDATE_DISABLED));

    const candidates = this.matchingPushes(script, parsed.pushes);
    // Replays first: once a push has rolled, a "higher version only" policy would refuse its repeat.
    for (const candidate of candidates) {
      const { repository, tag, digest } = candidate.push;
      const earlier = await this.deliveries.findReplay(script.id, { deliveryId: parsed.deliveryId, repository, tag, digest }, this.config.replayWindowMs);
      if (!earlier?.deploymentId) continue;
      Object.assign(entry, { repository, tag, digest, decision: 'duplicate', deploymentId: earlier.deploymentId });
      entry.reason = `delivery ${earlier.id} already rolled this push as deployment ${earlier.deploymentId}`;
      progress.outcome = 'duplicate';
      // A replay while that rollout still runs joins it and waits for it, as a second identical push would.
      const rolling = await this.waits.wait(earlier.deploymentId, 0);
      if (!isFinished(rolling.status)) return this.answerWhenDone([rolling], format, progress);
      return { accepted: false, data: [`duplicate: ${entry.reason}`] };
    }
    const { push, targets } = await this.chooseByPolicy(script, candidates);
    Object.assign(entry, { repository: push.repository, tag: push.tag, digest: push.digest });

    const queued: Deployment[] = [];
    for (const [repository, services] of byRepository(targets)) {
      queued.push(
        await this.intake.request({
          script,
          userId: script.userId,
          action: 'update',
          trigger: 'webhook',
          repository,
          tag: push.tag,
          digest: push.digest,
          services,
          source: format.id,
        }),
      );
    }
    entry.decision = 'deployed';
    entry.deploymentId = queued[0].id;
    // Recorded before waiting: a registry that gives up must still find its delivery in the log.
    await this.record(script, progress, 202, 0);
    return this.answerWhenDone(queued, format, progress);
  }

  /**
   * Waits for the rollouts as long as the registry waits for an answer: their output, their error, or
   * 202 with the one still running.
   */
  private async answerWhenDone(deployments: Deployment[], format: RegistryFormat, progress: Progress): Promise<WebhookOutcome> {
    // A replay joining a rollout stays counted as a duplicate, whatever the rollout's end.
    const count = (outcome: WebhookOutcomeLabel) => {
      if (progress.outcome !== 'duplicate') progress.outcome = outcome;
    };
    const done = await Promise.all(deployments.map((d) => this.waits.wait(d.id, this.answerWithinMs(format))));
    const pending = done.find((d) => !isFinished(d.status));
    if (pending) {
      count('accepted');
      return { accepted: true, data: { deploymentId: pending.id, status: pending.status } };
    }
    progress.rolloutFinished = true;
    const lines = done.flatMap((d) => storedLines(d.output));
    for (const d of done) {
      const error = deploymentError(d, lines);
      if (error) {
        count(d.status as WebhookOutcomeLabel); // failed, rolled_back, superseded or interrupted
        throw error;
      }
    }
    count('succeeded');
    return { accepted: false, data: lines };
  }

  /**
   * The pushes of the repository this stack runs that was pushed last (a Distribution notification may
   * name several repositories), one per tag (Quay and Harbor may name several in one delivery).
   */
  private matchingPushes(script: Script, pushes: PushEvent[]): Match[] {
    const matches = pushes.map((push) => ({ push, targets: matchServices(script.images, push) })).filter((m) => m.targets.length);
    const newest = matches[matches.length - 1];
    if (!newest) {
      const pushed = [...new Set(pushes.map((p) => p.repository))].join(', ');
      throw new Decided('no_match', new AppError(Errors.WEBHOOK_NO_MATCH, { zh: `推送的仓库 ${pushed} 不是该服务使用的镜像`, en: `${pushed} is not an image this stack runs` }));
    }
    return matches.filter((m) => m.push.repository === newest.push.repository).slice(-MAX_TAGS_PER_DELIVERY);
  }

  /** The push whose tag the stack's tag policy chooses, compared with the tag running now. */
  private async chooseByPolicy(script: Script, candidates: Match[]): Promise<Match> {
    const parsed = parseTagPolicy(script.tagPolicy);
    if ('error' in parsed) throw new Decided('refused_by_policy', new AppError(Errors.TAG_REFUSED_BY_POLICY, { zh: parsed.error, en: parsed.error }));
    const running = await this.runningTag(script, candidates[0].targets[0]);
    const choice = chooseTag(parsed.policy, candidates.map((m) => m.push.tag), running);
    if ('refused' in choice) {
      const why = `${choice.refused} (tag policy ${script.tagPolicy})`;
      throw new Decided('refused_by_policy', new AppError(Errors.TAG_REFUSED_BY_POLICY, { zh: why, en: why }));
    }
    return candidates.filter((m) => m.push.tag === choice.tag).pop()!;
  }

  /** The tag a target service runs: its last webhook or manual update's, else its compose file's. */
  private async runningTag(script: Script, target: RolloutTarget): Promise<string | undefined> {
    const composed = script.images.find((i) => i.service === target.service);
    return (await this.deployments.lastRolledTag(script.id, target.repository)) ?? (composed && parseImageReference(composed.image)?.tag);
  }

  /** Runs a step whose AppError is a refusal with that decision. */
  private step<T>(decision: WebhookDecision & WebhookOutcomeLabel, run: () => T): T {
    try {
      return run();
    } catch (err) {
      if (err instanceof AppError && !(err instanceof Decided)) throw new Decided(decision, err);
      throw err;
    }
  }

  /** As long as the registry waits for an answer (less a margin), and never longer than WEBHOOK_WAIT_SECONDS. */
  private answerWithinMs(format: RegistryFormat): number {
    const configured = this.docker.webhookWaitSeconds * 1000;
    return format.answerWithinMs === undefined ? configured : Math.min(configured, Math.floor(format.answerWithinMs * ANSWER_BUDGET));
  }

  /** Writes the delivery log entry once, then updates its answer (a rollout waited for after recording). */
  private async record(script: Script, progress: Progress, httpStatus: number, code: number): Promise<void> {
    if (progress.recordedId !== undefined) return this.deliveries.answered(progress.recordedId, httpStatus, code);
    progress.recordedId = (await this.deliveries.record({ ...(progress.entry as Entry), scriptId: script.id, httpStatus, code }))?.id;
  }
}
