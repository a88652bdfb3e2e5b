import { createHmac } from 'node:crypto';
import type { ChannelTarget, DeploymentNotice, SendOptions, SendResult } from '../notice';
import { judgeRobotAnswer, postJson } from './http-post';
import { renderMarkdown } from './render';
import { parseWebhookUrl } from './webhook-url';

/** 130101 "send too fast", 410100 rate-limited, -1 system busy: https://open.dingtalk.com/document/orgapp/custom-robots-send-group-messages */
const DINGTALK_RETRYABLE = new Set([-1, 130101, 410100]);

export function checkDingTalkTarget(target: ChannelTarget): string | null {
  const url = parseWebhookUrl(target.url);
  if (typeof url === 'string') return url;
  if (url.pathname !== '/robot/send') return 'a DingTalk robot URL has the path /robot/send';
  if (!url.searchParams.get('access_token')) return 'a DingTalk robot URL has an access_token query parameter';
  return null;
}

/** DingTalk's 加签: base64(HmacSHA256(key = secret, message = timestamp + "\n" + secret)), timestamp in milliseconds. */
export function dingTalkSign(timestampMs: string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

export async function sendDingTalk(target: ChannelTarget, notice: DeploymentNotice, opts: SendOptions): Promise<SendResult> {
  const url = new URL(target.url!);
  if (target.secret) {
    const timestamp = String(Date.now());
    url.searchParams.set('timestamp', timestamp);
    // URLSearchParams encodes `+ / =` of the base64 as %2B %2F %3D: the urlEncode DingTalk asks for.
    url.searchParams.set('sign', dingTalkSign(timestamp, target.secret));
  }
  const { title, text } = renderMarkdown(notice, opts.language, { heading: true });
  const answer = await postJson(url.href, { msgtype: 'markdown', markdown: { title, text } }, {}, opts);
  return judgeRobotAnswer(answer, (json) => json.errcode, DINGTALK_RETRYABLE);
}
