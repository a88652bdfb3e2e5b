import { createHmac } from 'node:crypto';
import type { ChannelTarget, DeploymentNotice, SendOptions, SendResult } from '../notice';
import { judgeRobotAnswer, postJson } from './http-post';
import { outcomeOf, renderMarkdown } from './render';
import { parseWebhookUrl } from './webhook-url';

/** 11232: frequency limited (100 a minute, 5 a second per bot). */
const FEISHU_RETRYABLE = new Set([11232]);
const HOOK_PATH = /^\/open-apis\/bot\/v2\/hook\/[A-Za-z0-9_-]+$/;

export function checkFeishuTarget(target: ChannelTarget): string | null {
  const url = parseWebhookUrl(target.url);
  if (typeof url === 'string') return url;
  if (!HOOK_PATH.test(url.pathname)) return 'a Feishu/Lark bot URL has the path /open-apis/bot/v2/hook/<id>';
  return null;
}

/**
 * Feishu's signature: base64(HmacSHA256(key = timestamp + "\n" + secret, message = empty)), timestamp
 * in seconds (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot).
 */
export function feishuSign(timestampSeconds: string, secret: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

function headerTemplate(notice: DeploymentNotice): string {
  const outcome = outcomeOf(notice);
  if (notice.recovered || outcome === 'success') return 'green';
  if (outcome === 'failure') return 'red';
  if (outcome === 'warning') return 'orange';
  return notice.event === 'started' ? 'blue' : 'grey';
}

export async function sendFeishu(target: ChannelTarget, notice: DeploymentNotice, opts: SendOptions): Promise<SendResult> {
  const { title, text } = renderMarkdown(notice, opts.language, { heading: false });
  const card = {
    config: { wide_screen_mode: true },
    header: { template: headerTemplate(notice), title: { tag: 'plain_text', content: title } },
    elements: [{ tag: 'markdown', content: text }],
  };
  const signature = target.secret ? signed(target.secret) : {};
  const answer = await postJson(target.url!, { ...signature, msg_type: 'interactive', card }, {}, opts);
  // `StatusCode` is what older answers carried instead of `code`.
  return judgeRobotAnswer(answer, (json) => json.code ?? json.StatusCode, FEISHU_RETRYABLE);
}

function signed(secret: string): { timestamp: string; sign: string } {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return { timestamp, sign: feishuSign(timestamp, secret) };
}
