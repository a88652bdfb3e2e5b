import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { dockerConfig } from '../config/docker.config';
import { DeploymentsService } from '../deployments/deployments.service';
import { isFinished } from '../deployments/entities/deployment.entity';
import { MetricsService, WebhookOutcomeLabel } from '../metrics/metrics.service';
import { ScriptsService } from '../scripts/scripts.service';
import { matchServices, RolloutTarget } from './match-services';
import { PushEvent } from './push-event';
import { formatOf, IncomingDelivery, RegistryId } from './registries';

export type WebhookOutcome = { accepted: false; data: string[] } | { accepted: true; data: { deploymentId: number; status: string } };

/**
 * A CNCF Distribution registry retries any non-2xx answer forever, holding back every later
 * notification, and it notifies one URL of the pushes to all its repositories. So once the token is
 * right, whatever it is answered goes out with HTTP 200 (the envelope's code still says what
 * happened): the "nothing to do here" refusals, an invalid payload (a retry would be just as
 * invalid) and a rollout that did not succeed (a retry could start it again). Other registries keep
 * the catalogue's status.
 */
function forRegistry(registry: RegistryId | undefined, error: AppError): AppError {
  return registry === 'distribution' ? new AppError(error.error, error.detail, error.data, 200) : error;
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
    private readonly deployments: DeploymentsService,
    @Inject(dockerConfig.KEY) private readonly config: ConfigType<typeof dockerConfig>,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Token first (an unknown user, an unknown service and a wrong token all look alike), then the
   * payload, the auto-update switch and the image match; only then is a rollout queued. Every call is
   * counted in `dds_webhook_requests_total` by its outcome.
   */
  async receive(userIdParam: string, serviceName: string, token: string | undefined, body: unknown): Promise<WebhookOutcome> {
    const call = { outcome: 'error' as WebhookOutcomeLabel };
    try {
      return await this.handle(userIdParam, serviceName, token, body, call);
    } finally {
      this.metrics.webhookOutcome(call.outcome);
    }
  }

  private async handle(
    userIdParam: string,
    serviceName: string,
    token: string | undefined,
    body: unknown,
    call: { outcome: WebhookOutcomeLabel },
  ): Promise<WebhookOutcome> {
    const userId = /^\d{1,15}$/.test(userIdParam) ? Number(userIdParam) : undefined;
    const script = userId === undefined ? undefined : await this.scripts.findByWebhook(userId, serviceName, token);
    if (!script) {
      call.outcome = 'not_found';
      throw new AppError(Errors.WEBHOOK_NOT_FOUND);
    }

    // Temporary stand-in until the controller hands over headers and the bytes received.
    const delivery: IncomingDelivery = { headers: {}, body, rawBody: Buffer.from(JSON.stringify(body ?? null)) };
    let registry: RegistryId | undefined;
    let pushes: PushEvent[];
    let ignoredWhy: string | undefined;
    try {
      const format = formatOf(delivery);
      registry = format.id;
      ({ pushes, ignored: ignoredWhy } = format.parse(delivery));
    } catch (err) {
      if (!(err instanceof AppError) || err.error !== Errors.WEBHOOK_PAYLOAD_INVALID) throw err;
      call.outcome = 'invalid_payload';
      throw forRegistry(registry, err);
    }
    if (!pushes.length) {
      call.outcome = 'ignored';
      return { accepted: false, data: [`ignored: ${ignoredWhy ?? 'not an image push'}`] };
    }
    if (!Number(script.isAutoUpdate)) {
      call.outcome = 'auto_update_off';
      throw forRegistry(registry, new AppError(Errors.AUTO_UPDATE_DISABLED));
    }
    // The newest push that this stack runs; a notification may carry pushes of other repositories.
    const match = pushes
      .map((push) => ({ push, targets: matchServices(script.images, push) }))
      .filter((m) => m.targets.length)
      .pop();
    if (!match) {
      const pushed = pushes.map((p) => p.repository).join(', ');
      call.outcome = 'no_match';
      throw forRegistry(
        registry,
        new AppError(Errors.WEBHOOK_NO_MATCH, { zh: `推送的仓库 ${pushed} 不是该服务使用的镜像`, en: `${pushed} is not an image this stack runs` }),
      );
    }

    const { push, targets } = match;
    const queued = [];
    for (const [repository, services] of byRepository(targets)) {
      queued.push(
        await this.deployments.request({
          script,
          userId: script.userId,
          action: 'update',
          trigger: 'webhook',
          repository,
          tag: push.tag,
          digest: push.digest,
          services,
          source: push.registry,
        }),
      );
    }
    const waitMs = this.config.webhookWaitSeconds * 1000;
    const done = await Promise.all(queued.map((d) => this.deployments.wait(d.id, waitMs)));
    const pending = done.find((d) => !isFinished(d.status));
    if (pending) {
      call.outcome = 'accepted';
      return { accepted: true, data: { deploymentId: pending.id, status: pending.status } };
    }
    const lines = done.flatMap((d) => this.deployments.lines(d));
    for (const d of done) {
      const error = DeploymentsService.errorFor(d, lines);
      if (error) {
        call.outcome = d.status as WebhookOutcomeLabel; // failed, rolled_back, superseded or interrupted
        throw forRegistry(registry, error);
      }
    }
    call.outcome = 'succeeded';
    return { accepted: false, data: lines };
  }
}
