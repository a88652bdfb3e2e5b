import type { ChannelTarget, DeploymentNotice, SendOptions, SendResult } from '../notice';
import { describeAnswer, httpVerdict, postJson } from './http-post';
import { renderSlack } from './render';
import { parseWebhookUrl } from './webhook-url';

export function checkSlackTarget(target: ChannelTarget): string | null {
  const url = parseWebhookUrl(target.url);
  return typeof url === 'string' ? url : null;
}

/**
 * An incoming webhook answers 200 `ok`; errors are 400 invalid_payload, 403, 404 channel_not_found,
 * 410 channel_is_archived (final), 429 (rate limited) and 5xx (retryable).
 */
export async function sendSlack(target: ChannelTarget, notice: DeploymentNotice, opts: SendOptions): Promise<SendResult> {
  const answer = await postJson(target.url!, renderSlack(notice, opts.language), {}, opts);
  const response = describeAnswer(answer);
  const http = httpVerdict(answer.status);
  if (!http.ok) return { ok: false, retryable: http.retryable, response };
  return { ok: answer.body.trim() === 'ok', retryable: false, response };
}
