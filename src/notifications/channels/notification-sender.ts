import { Injectable } from '@nestjs/common';
import type { ChannelTarget, ChannelType, DeploymentNotice, SendOptions, SendResult } from '../notice';
import { DeliveryError } from './delivery-error';
import { checkDingTalkTarget, sendDingTalk } from './dingtalk';
import { checkEmailTarget, sendEmail } from './email';
import { checkFeishuTarget, sendFeishu } from './feishu';
import { checkSlackTarget, sendSlack } from './slack';
import { checkWebhookTarget, sendWebhook } from './webhook';
import { checkWecomTarget, sendWecom } from './wecom';

export const MAX_RESPONSE_CHARS = 1000;

interface ChannelSender {
  check(target: ChannelTarget): string | null;
  send(target: ChannelTarget, notice: DeploymentNotice, opts: SendOptions): Promise<SendResult>;
}

const SENDERS: Record<ChannelType, ChannelSender> = {
  dingtalk: { check: checkDingTalkTarget, send: sendDingTalk },
  wecom: { check: checkWecomTarget, send: sendWecom },
  feishu: { check: checkFeishuTarget, send: sendFeishu },
  slack: { check: checkSlackTarget, send: sendSlack },
  webhook: { check: checkWebhookTarget, send: sendWebhook },
  email: { check: checkEmailTarget, send: sendEmail },
};

/** Delivers one notice to one channel target, in the vendor's own format. */
@Injectable()
export class NotificationSender {
  /** An English reason the target cannot be a channel of its type, or null; checked when a channel is saved. */
  checkTarget(target: ChannelTarget): string | null {
    const sender = SENDERS[target.type];
    return sender ? sender.check(target) : `unknown channel type ${String(target.type)}`;
  }

  /**
   * Never throws: a refusal, a network failure or a receiver's "no" is `ok: false`, with `retryable`
   * telling the outbox whether to try again. `response` is bounded and holds no token, secret or password.
   */
  async send(target: ChannelTarget, notice: DeploymentNotice, opts: SendOptions): Promise<SendResult> {
    let result: SendResult;
    const invalid = this.checkTarget(target);
    if (invalid) {
      result = { ok: false, retryable: false, response: `invalid channel: ${invalid}` };
    } else {
      try {
        result = await SENDERS[target.type].send(target, notice, opts);
      } catch (err) {
        result =
          err instanceof DeliveryError
            ? { ok: false, retryable: err.retryable, response: err.message }
            : { ok: false, retryable: false, response: `sending failed: ${err instanceof Error ? err.message : String(err)}` };
      }
    }
    return { ...result, response: bound(redact(result.response, secretsOf(target))) };
  }
}

/** What must never reach a delivery record: the secret, the SMTP password, the URL's path and query and their parts. */
function secretsOf(target: ChannelTarget): string[] {
  const always = [target.secret, target.email?.password].filter((s): s is string => !!s);
  const secrets: (string | undefined)[] = [];
  if (target.url) {
    try {
      const url = new URL(target.url);
      secrets.push(`${url.pathname}${url.search}`, url.search.slice(1), url.pathname);
      for (const value of url.searchParams.values()) secrets.push(value, encodeURIComponent(value));
      // Tokens in the path (Slack's /services/T…/B…/secret, Feishu's hook id) are its long segments.
      for (const segment of url.pathname.split('/')) if (segment.length >= 12) secrets.push(segment, decodeURIComponentSafe(segment));
    } catch {
      secrets.push(target.url);
    }
  }
  const parts = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  return [...always, ...parts].sort((a, b) => b.length - a.length);
}

function redact(text: string, secrets: string[]): string {
  return secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}

function bound(text: string): string {
  return text.length > MAX_RESPONSE_CHARS ? `${text.slice(0, MAX_RESPONSE_CHARS - 1)}…` : text;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
