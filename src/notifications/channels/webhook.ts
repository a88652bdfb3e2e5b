import { createHmac } from 'node:crypto';
import type { ChannelTarget, DeploymentNotice, SendOptions, SendResult } from '../notice';
import { describeAnswer, httpVerdict, postJson } from './http-post';
import { renderText } from './render';
import { parseWebhookUrl } from './webhook-url';

export function checkWebhookTarget(target: ChannelTarget): string | null {
  const url = parseWebhookUrl(target.url);
  return typeof url === 'string' ? url : null;
}

/**
 * `sha256=` + hex HmacSHA256(secret, timestamp + "." + raw body): the receiver recomputes it over the
 * bytes it received and X-DDS-Timestamp, and can refuse old timestamps against replays.
 */
export function webhookSignature(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex')}`;
}

export async function sendWebhook(target: ChannelTarget, notice: DeploymentNotice, opts: SendOptions): Promise<SendResult> {
  const rawBody = JSON.stringify({ event: notice.event, deployment: notice, message: renderText(notice, opts.language) });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-DDS-Event': notice.event,
    'X-DDS-Delivery': opts.deliveryId,
    'X-DDS-Timestamp': timestamp,
  };
  if (target.secret) headers['X-DDS-Signature'] = webhookSignature(target.secret, timestamp, rawBody);
  const answer = await postJson(target.url!, rawBody, headers, opts);
  return { ...httpVerdict(answer.status), response: describeAnswer(answer) };
}
