import { AppError } from '../../common/app-error';
import { Errors } from '../../common/error-codes';
import { isDigest, isRegistryHost, isRepositoryPath, isTag } from '../../swarm/image-reference';
import type { PushEvent } from '../push-event';
import type { IncomingDelivery, ParsedDelivery, RegistryId } from './registry-format';

/** Readers of untrusted JSON: each returns undefined (or {}) instead of throwing on a wrong shape. */
export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const obj = (v: unknown): Json => (isObject(v) ? v : {});
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 1024 ? v : undefined);
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** One header's value; a repeated header counts as absent, since we cannot tell which copy is meant. */
export function header(delivery: IncomingDelivery, name: string): string | undefined {
  const value = delivery.headers[name];
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value;
}

export function invalid(en: string, zh: string): AppError {
  return new AppError(Errors.WEBHOOK_PAYLOAD_INVALID, { en, zh });
}

/** `why` is our own text; any of the sender's in it goes through shown(). */
export const ignored = (why: string, deliveryId?: string): ParsedDelivery => ({ pushes: [], ignored: why, deliveryId });

const MAX_SHOWN = 64;

/**
 * The sender's text (an event header, an action) as our answers and the delivery log may repeat it:
 * the names registries send are short and plain, so at most 64 characters are kept, and any that is
 * not printable ASCII, or is markup or a quote, becomes "?". Anyone can call a webhook URL: its
 * answer must not echo their 10 KB, control characters or HTML back.
 */
export function shown(text: string): string {
  const kept = text.slice(0, MAX_SHOWN + 1).replace(/[^\x20-\x7e]|[<>&"'`\\]/g, '?');
  return kept.length > MAX_SHOWN ? `${kept.slice(0, MAX_SHOWN - 3)}...` : kept;
}

/** The host part of `host[:port]/path...` or of a URL, lowercased; undefined when there is none. */
export function hostOf(reference: string): string | undefined {
  const withoutScheme = reference.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const host = withoutScheme.split('/')[0].toLowerCase();
  return host && withoutScheme.includes('/') ? host : undefined;
}

export interface PushFields {
  registry: RegistryId;
  /** The host the registry names, e.g. `harbor.acme.io` or `127.0.0.1:5000`. */
  host: string;
  path: string;
  tag: string;
  digest?: string;
  /** Hosts besides `host` that serve the same repository (VPC endpoints, Docker Hub aliases). */
  hostMatches?: (host: string) => boolean;
}

/**
 * The one gate every parser's push goes through: host, path, tag and digest are checked with docker's
 * own grammar, so nothing malformed reaches a docker argv.
 */
export function pushEvent(e: PushFields): PushEvent {
  const host = e.host.toLowerCase();
  const path = e.path.toLowerCase();
  if (!isRegistryHost(host)) throw invalid(`invalid registry host "${shown(e.host)}"`, `镜像仓库地址无效："${shown(e.host)}"`);
  if (!isRepositoryPath(path)) throw invalid(`invalid repository "${shown(e.path)}"`, `仓库名无效："${shown(e.path)}"`);
  if (!isTag(e.tag)) throw invalid(`invalid tag "${shown(e.tag)}"`, `标签无效："${shown(e.tag)}"`);
  if (e.digest !== undefined && !isDigest(e.digest)) throw invalid(`invalid digest "${shown(e.digest)}"`, `摘要无效："${shown(e.digest)}"`);
  const also = e.hostMatches;
  return {
    registry: e.registry,
    path,
    hostMatches: (h) => h === host || (also !== undefined && also(h)),
    repository: `${host}/${path}`,
    tag: e.tag,
    digest: e.digest,
  };
}
