import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { AppError } from '../common/app-error';
import { ErrorDef, Errors } from '../common/error-codes';
import { dockerConfig } from '../config/docker.config';
import { DeploymentsService } from '../deployments/deployments.service';
import { isFinished } from '../deployments/entities/deployment.entity';
import { ScriptsService } from '../scripts/scripts.service';
import { matchServices, RolloutTarget } from './match-services';
import { parsePushEvents } from './parsers/parse-push';
import { PushEvent } from './push-event';

export type WebhookOutcome = { accepted: false; data: string[] } | { accepted: true; data: { deploymentId: number; status: string } };

/**
 * A Distribution registry retries a non-2xx answer forever, holding back every later notification,
 * and it notifies one URL of pushes to all its repositories: its "nothing to do here" refusals are
 * therefore answered with HTTP 200 (the envelope's code still says why).
 */
function refusal(pushes: PushEvent[], error: ErrorDef, detail?: { zh: string; en: string }): AppError {
  return new AppError(error, detail, undefined, pushes[0]?.registry === 'distribution' ? 200 : undefined);
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
  ) {}

  /**
   * Token first (an unknown user, an unknown service and a wrong token all look alike), then the
   * payload, the auto-update switch and the image match; only then is a rollout queued.
   */
  async receive(userIdParam: string, serviceName: string, token: string | undefined, body: unknown): Promise<WebhookOutcome> {
    const userId = /^\d{1,15}$/.test(userIdParam) ? Number(userIdParam) : undefined;
    const script = userId === undefined ? undefined : await this.scripts.findByWebhook(userId, serviceName, token);
    if (!script) throw new AppError(Errors.WEBHOOK_NOT_FOUND);

    const pushes = parsePushEvents(body);
    if (!pushes.length) return { accepted: false, data: ['ignored: not an image push'] };
    if (!Number(script.isAutoUpdate)) throw refusal(pushes, Errors.AUTO_UPDATE_DISABLED);
    // The newest push that this stack runs; a notification may carry pushes of other repositories.
    const match = pushes
      .map((push) => ({ push, targets: matchServices(script.images, push) }))
      .filter((m) => m.targets.length)
      .pop();
    if (!match) {
      const pushed = pushes.map((p) => p.repository).join(', ');
      throw refusal(pushes, Errors.WEBHOOK_NO_MATCH, { zh: `推送的仓库 ${pushed} 不是该服务使用的镜像`, en: `${pushed} is not an image this stack runs` });
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
        }),
      );
    }
    const waitMs = this.config.webhookWaitSeconds * 1000;
    const done = await Promise.all(queued.map((d) => this.deployments.wait(d.id, waitMs)));
    const pending = done.find((d) => !isFinished(d.status));
    if (pending) return { accepted: true, data: { deploymentId: pending.id, status: pending.status } };
    const lines = done.flatMap((d) => this.deployments.lines(d));
    for (const d of done) {
      const error = DeploymentsService.errorFor(d, lines);
      if (error) throw error;
    }
    return { accepted: false, data: lines };
  }
}
