/**
 * Asks a registry which manifest a tag points to, over the Docker Registry HTTP API v2 / OCI
 * distribution API: https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 * Used to pin `repo:tag@digest` and to check a webhook's claimed digest against the registry.
 */
import { createHash } from 'node:crypto';
import { isDigest, isRegistryHost, isRepositoryPath, isTag } from '../swarm/image-reference';

export interface RegistryLogin {
  username: string;
  password: string;
}

export type RegistryFailure = 'unreachable' | 'unauthorized' | 'not_found' | 'protocol';

/** Never contains a password or token. `message` carries the registry's own reason when it gave one. */
export class RegistryError extends Error {
  constructor(
    readonly kind: RegistryFailure,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface TagManifest {
  /** The digest of the manifest (or index / manifest list) the tag points to, e.g. sha256:... */
  digest: string;
  mediaType: string;
  /** For an index / manifest list: the digests of the manifests it lists; [] otherwise. */
  children: string[];
}

export interface RegistryClientOptions {
  timeoutMs: number;
  /** Hosts (host[:port], lowercase) that may be spoken to over plain HTTP besides loopback ones. */
  insecureHosts: readonly string[];
}

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
const ACCEPT = [...INDEX_TYPES, 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');
// Registries cap manifests around 4 MB; anything larger is not an image manifest worth buffering.
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_TOKEN_BYTES = 64 * 1024;
const MAX_ERROR_BYTES = 64 * 1024;
const MAX_REASON_CHARS = 200;
const DIGEST_ALGORITHMS = new Set(['sha256', 'sha512']);
const NOT_FOUND_CODES = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'TAG_UNKNOWN', 'TAG_INVALID']);
// Printable ASCII only, so a token can never break out of its header.
const TOKEN_RE = /^[\x21-\x7e]+$/;
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io']);

/** One resolveTag call: where it talks, and the secrets no message may carry. */
interface Call {
  host: string;
  repository: string;
  tag: string;
  login: RegistryLogin | null;
  signal: AbortSignal;
  deadline: AbortSignal;
  /** `scheme://host` that answered the first request; every later request goes there too. */
  base?: string;
  secrets: string[];
}

export class RegistryClient {
  constructor(private readonly options: RegistryClientOptions) {}

  /** host: `127.0.0.1:5000`, `ghcr.io`, `docker.io` ...; repository: the path inside the registry, e.g. `acme/web` or `library/nginx`. */
  async resolveTag(host: string, repository: string, tag: string, login: RegistryLogin | null, signal?: AbortSignal): Promise<TagManifest> {
    if (!isRegistryHost(host)) throw new TypeError(`invalid registry host: ${JSON.stringify(String(host).slice(0, 80))}`);
    if (!isRepositoryPath(repository)) throw new TypeError(`invalid repository path: ${JSON.stringify(String(repository).slice(0, 80))}`);
    if (!isTag(tag)) throw new TypeError(`invalid tag: ${JSON.stringify(String(tag).slice(0, 80))}`);
    const apiHost = DOCKER_HUB_HOSTS.has(host) ? 'registry-1.docker.io' : host;
    const path = `/v2/${repository}/manifests/${tag}`;
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    const basic = login ? `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}` : undefined;
    const call: Call = {
      host,
      repository,
      tag,
      login,
      signal: signal ? AbortSignal.any([deadline, signal]) : deadline,
      deadline,
      secrets: login && basic ? [login.password, basic.slice('Basic '.length)] : [],
    };

    let res = await this.first(call, apiHost, path);
    // Anonymous first, like docker: public repositories never see the credentials.
    if (res.status === 401) {
      const authorization = await this.authorize(call, res, basic);
      res = await this.send(call, call.base + path, { accept: ACCEPT, authorization });
    }
    if (!res.ok) throw await this.failure(call, res);
    return this.readManifest(call, res);
  }

  /** https; for loopback and insecure hosts falls back to http, like dockerd, only when TLS could not be spoken at all. */
  private async first(call: Call, apiHost: string, path: string): Promise<Response> {
    const failures: unknown[] = [];
    for (const scheme of ['https', 'http']) {
      try {
        const res = await fetch(`${scheme}://${apiHost}${path}`, { headers: { accept: ACCEPT }, signal: call.signal });
        call.base = `${scheme}://${apiHost}`;
        return res;
      } catch (err) {
        failures.push(err);
        if (call.signal.aborted || !this.plainHttpAllowed(apiHost)) break;
      }
    }
    throw this.unreachable(call, ...failures);
  }

  private async send(call: Call, url: string, headers: Record<string, string>): Promise<Response> {
    try {
      // fetch follows redirects and drops Authorization when one leaves the origin.
      return await fetch(url, { headers, signal: call.signal });
    } catch (err) {
      throw this.unreachable(call, err);
    }
  }

  /** The Authorization header the 401's challenge asks for. */
  private async authorize(call: Call, res: Response, basic: string | undefined): Promise<string> {
    const challenge = parseChallenge(res.headers.get('www-authenticate') ?? '');
    if (challenge?.scheme === 'basic' && basic) {
      await res.body?.cancel().catch(() => undefined);
      return basic;
    }
    if (challenge?.scheme === 'bearer') {
      await res.body?.cancel().catch(() => undefined);
      return `Bearer ${await this.fetchToken(call, challenge.params, basic)}`;
    }
    throw await this.failure(call, res);
  }

  /** Token auth: https://distribution.github.io/distribution/spec/auth/token/ */
  private async fetchToken(call: Call, params: Record<string, string>, basic: string | undefined): Promise<string> {
    const realm = params.realm && URL.canParse(params.realm) ? new URL(params.realm) : undefined;
    if (!realm || !['https:', 'http:'].includes(realm.protocol) || realm.username || realm.password) {
      throw new RegistryError('protocol', `registry ${call.host} sent a Bearer challenge without a usable realm`);
    }
    // A password goes over plain HTTP only to a host the operator allowed that for.
    if (basic && realm.protocol === 'http:' && !this.plainHttpAllowed(realm.host)) {
      throw new RegistryError('protocol', `registry ${call.host} asks for credentials over plain HTTP at ${realm.host}; list it in the insecure hosts to allow that`);
    }
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', `repository:${call.repository}:pull`);
    const res = await this.send(call, realm.href, basic ? { authorization: basic } : {});
    if (res.status === 401 || res.status === 403) throw this.unauthorized(call, (await this.errorOf(call, res)).reason);
    if (!res.ok) throw new RegistryError('protocol', `token service of registry ${call.host} answered HTTP ${res.status}: ${(await this.errorOf(call, res)).reason}`);
    const answer = parseJson(await this.readBody(call, res, MAX_TOKEN_BYTES));
    // The token spec allows either name; OAuth-style services send access_token.
    const token = isObject(answer) ? answer.token || answer.access_token : undefined;
    if (typeof token !== 'string' || !TOKEN_RE.test(token)) throw new RegistryError('protocol', `token service of registry ${call.host} sent no usable token`);
    call.secrets.push(token);
    return token;
  }

  private async readManifest(call: Call, res: Response): Promise<TagManifest> {
    const body = await this.readBody(call, res, MAX_MANIFEST_BYTES);
    if (!body) throw new RegistryError('protocol', `registry ${call.host} sent a manifest larger than ${MAX_MANIFEST_BYTES} bytes`);
    const claimed = res.headers.get('docker-content-digest')?.trim() || undefined;
    const algorithm = claimed?.split(':')[0] ?? 'sha256';
    if (claimed && (!isDigest(claimed) || !DIGEST_ALGORITHMS.has(algorithm))) {
      throw new RegistryError('protocol', `registry ${call.host} sent an unusable Docker-Content-Digest header`);
    }
    // The header alone proves nothing: the digest must be the content's, or pinning it pins something else.
    const digest = `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
    if (claimed && claimed !== digest) {
      throw new RegistryError('protocol', `registry ${call.host} sent a manifest whose content is ${digest} but whose Docker-Content-Digest says ${claimed}`);
    }
    const manifest = parseJson(body);
    if (!isObject(manifest)) throw new RegistryError('protocol', `registry ${call.host} sent a manifest that is not a JSON object`);
    const mediaType = typeof manifest.mediaType === 'string' ? manifest.mediaType : res.headers.get('content-type')?.split(';')[0].trim();
    if (!mediaType) throw new RegistryError('protocol', `registry ${call.host} sent a manifest without a media type`);
    if (!INDEX_TYPES.includes(mediaType)) return { digest, mediaType, children: [] };
    const listed: unknown[] = Array.isArray(manifest.manifests) ? manifest.manifests : [];
    const children = listed.map((entry) => (isObject(entry) ? entry.digest : undefined));
    if (!Array.isArray(manifest.manifests) || !children.every(isDigest)) {
      throw new RegistryError('protocol', `registry ${call.host} sent an index whose manifests lack valid digests`);
    }
    return { digest, mediaType, children };
  }

  private async failure(call: Call, res: Response): Promise<RegistryError> {
    const { code, reason } = await this.errorOf(call, res);
    if (res.status === 401 || res.status === 403) return this.unauthorized(call, reason);
    if (res.status === 404 || NOT_FOUND_CODES.has(code)) {
      return new RegistryError('not_found', `${call.host}/${call.repository}:${call.tag} not found in the registry: ${reason}`);
    }
    return new RegistryError('protocol', `registry ${call.host} answered HTTP ${res.status}: ${reason}`);
  }

  private unauthorized(call: Call, reason: string): RegistryError {
    const what = call.login ? 'refused the credentials' : 'requires credentials';
    return new RegistryError('unauthorized', `registry ${call.host} ${what}: ${reason}`);
  }

  private unreachable(call: Call, ...errors: unknown[]): RegistryError {
    if (call.deadline.aborted) return new RegistryError('unreachable', `registry ${call.host} did not answer within ${this.options.timeoutMs} ms`);
    if (call.signal.aborted) return new RegistryError('unreachable', `request to registry ${call.host} aborted`);
    const causes = [...new Set(errors.map(causeOf))].join('; then over plain http: ');
    return new RegistryError('unreachable', `cannot reach registry ${call.host}: ${causes}`);
  }

  /** The registry's own reason, from a Distribution `{"errors":[{code,message}]}` body when it sent one. */
  private async errorOf(call: Call, res: Response): Promise<{ code: string; reason: string }> {
    const answer = parseJson(await this.readBody(call, res, MAX_ERROR_BYTES));
    const first = isObject(answer) && Array.isArray(answer.errors) && isObject(answer.errors[0]) ? answer.errors[0] : {};
    const code = typeof first.code === 'string' ? first.code : '';
    // Docker Hub's token service answers {"details": "..."} instead.
    const text = [first.message, first.code, isObject(answer) ? answer.details : undefined].find((v) => typeof v === 'string' && v.trim());
    let reason = typeof text === 'string' ? text : `HTTP ${res.status}`;
    // A registry that echoes what it was sent must not leak it into our logs.
    for (const secret of call.secrets) if (secret) reason = reason.split(secret).join('***');
    reason = reason.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
    return { code, reason: reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason };
  }

  /** The body, or null when it is larger than `max` bytes (read no further than that). */
  private async readBody(call: Call, res: Response, max: number): Promise<Buffer | null> {
    try {
      if (Number(res.headers.get('content-length')) > max) {
        await res.body?.cancel();
        return null;
      }
      if (!res.body) return Buffer.alloc(0);
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let size = 0;
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        size += chunk.value.byteLength;
        if (size > max) {
          await reader.cancel();
          return null;
        }
        chunks.push(chunk.value);
      }
      return Buffer.concat(chunks, size);
    } catch (err) {
      throw this.unreachable(call, err);
    }
  }

  private plainHttpAllowed(host: string): boolean {
    if (this.options.insecureHosts.includes(host)) return true;
    const name = new URL(`http://${host}`).hostname;
    return name === 'localhost' || name === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(name);
  }
}

/** `Basic realm="x"` / `Bearer realm="...",service="...",scope="..."` (RFC 7235), scheme lowercased. */
function parseChallenge(header: string): { scheme: string; params: Record<string, string> } | undefined {
  const match = /^\s*([A-Za-z][\w-]*)(?:\s+(.*))?$/.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, key, quoted, bare] of (match[2] ?? '').matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params[key.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare;
  }
  return { scheme: match[1].toLowerCase(), params };
}

type ErrorLike = { message?: unknown; code?: unknown; cause?: unknown; errors?: unknown } | null | undefined;

/**
 * undici rejects with a generic "fetch failed" whose `cause` is the socket, DNS or TLS error. Duck-typed:
 * Node's own errors need not share this realm's Error (they do not under jest).
 */
function causeOf(err: unknown): string {
  let cause = ((err as ErrorLike)?.cause ?? err) as ErrorLike;
  // Happy eyeballs tried several addresses (an AggregateError); the first one's error says enough.
  if (Array.isArray(cause?.errors) && cause.errors[0]) cause = cause.errors[0] as ErrorLike;
  if (typeof cause?.message === 'string' && cause.message) return cause.message;
  return typeof cause?.code === 'string' ? cause.code : String(cause);
}

function parseJson(body: Buffer | null): unknown {
  try {
    return body ? JSON.parse(body.toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
