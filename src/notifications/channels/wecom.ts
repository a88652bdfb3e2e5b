import type { ChannelTarget, DeploymentNotice, SendOptions, SendResult } from '../notice';
import { judgeRobotAnswer, postJson } from './http-post';
import { renderWecomMarkdown } from './render';
import { parseWebhookUrl } from './webhook-url';

/** 45009 "api freq out of limit" (20 messages a minute per robot), -1 system busy. */
const WECOM_RETRYABLE = new Set([-1, 45009]);

export function checkWecomTarget(target: ChannelTarget): string | null {
  const url = parseWebhookUrl(target.url);
  if (typeof url === 'string') return url;
  if (url.pathname !== '/cgi-bin/webhook/send') return 'a WeCom robot URL has the path /cgi-bin/webhook/send';
  if (!url.searchParams.get('key')) return 'a WeCom robot URL has a key query parameter';
  return null;
}

/** https://developer.work.weixin.qq.com/document/path/91770 (markdown content at most 4096 bytes). */
export async function sendWecom(target: ChannelTarget, notice: DeploymentNotice, opts: SendOptions): Promise<SendResult> {
  const content = renderWecomMarkdown(notice, opts.language);
  const answer = await postJson(target.url!, { msgtype: 'markdown', markdown: { content } }, {}, opts);
  return judgeRobotAnswer(answer, (json) => json.errcode, WECOM_RETRYABLE);
}
