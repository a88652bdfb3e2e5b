/** What a channel can be told about; a channel chooses which (recoveries are always sent). */
export const NOTIFICATION_EVENTS = ['started', 'succeeded', 'failed', 'rolled_back', 'timed_out', 'interrupted', 'superseded'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
/** What a new channel is told unless it chooses otherwise. */
export const DEFAULT_EVENTS: NotificationEvent[] = ['succeeded', 'failed', 'rolled_back', 'timed_out', 'interrupted'];
export const FAILURE_EVENTS: readonly NotificationEvent[] = ['failed', 'rolled_back', 'timed_out', 'interrupted'];

export type NotificationLanguage = 'zh' | 'en';

/**
 * Everything a message says about one deployment event, fixed when the event is recorded (the outbox
 * row keeps it as JSON), so a retry days later sends the same message.
 */
export interface DeploymentNotice {
  event: NotificationEvent;
  deploymentId: number;
  /** The stack (script serviceName). */
  stack: string;
  action: 'create' | 'remove' | 'update' | 'adopt';
  /** The swarm services concerned (update targets), e.g. ["halo_halo"]; [] when the whole stack. */
  services: string[];
  /** What the first target service ran before an update, e.g. `registry/ns/app:1.0@sha256:...`. */
  previousImage: string | null;
  /** The image an update rolls to, `repo:tag`; null for create/remove. */
  image: string | null;
  digest: string | null;
  trigger:
    | { kind: 'manual'; username: string }
    /** `registry`: the parser that read the push (aliyun, dockerhub, harbor, distribution, ...). */
    | { kind: 'webhook'; registry: string | null; repository: string | null };
  /** ISO 8601. */
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /** Where to look at it (PUBLIC_BASE_URL). */
  url: string;
  error: string | null;
  errorCode: number | null;
  /** The last output lines of a failure (bounded: at most 10 lines of at most 300 characters). */
  outputTail: string[];
  /** How many identical failures of this stack were collapsed into this message (not sent on their own). */
  repeats: number;
  /** A success after failures (sent even to channels that do not choose `succeeded`). */
  recovered: boolean;
  /** A message sent by POST /web/user/channels/{id}/test. */
  test?: boolean;
}

export const CHANNEL_TYPES = ['dingtalk', 'wecom', 'feishu', 'slack', 'email', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const EMAIL_SECURITY = ['tls', 'starttls', 'none'] as const;
export type EmailSecurity = (typeof EMAIL_SECURITY)[number];

export interface EmailSettings {
  host: string;
  port: number;
  /** `tls`: TLS from the start (465); `starttls`: STARTTLS required (587); `none`: plain (private addresses only). */
  security: EmailSecurity;
  username?: string;
  password?: string;
  from: string;
  to: string[];
}

/**
 * Where and how a channel delivers, decrypted (stored encrypted as a whole: robot URLs carry their
 * token). `url` for every type but email; `secret` signs DingTalk, Feishu and generic webhook messages.
 */
export interface ChannelTarget {
  type: ChannelType;
  url?: string;
  secret?: string;
  email?: EmailSettings;
}

export interface SendOptions {
  language: NotificationLanguage;
  /** The outbox row's id (the generic webhook sends it as X-DDS-Delivery, for receivers to de-duplicate). */
  deliveryId: string;
  timeoutMs: number;
  /** The channel's owner may deliver to loopback, private and link-local addresses (and over plain http/SMTP). */
  allowPrivate: boolean;
}

export interface SendResult {
  ok: boolean;
  /** Worth trying again later (network error, timeout, 5xx, 408/429, a vendor's rate limit). */
  retryable: boolean;
  /** What the receiver said, e.g. `HTTP 200 {"errcode":0,"errmsg":"ok"}` (at most 1000 characters, never a secret). */
  response: string;
}
