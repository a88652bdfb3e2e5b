import { verifyHmacSha256 } from './hmac-signature';
import { header, ignored, invalid, isObject, obj, pushEvent, shown, str } from './payload-fields';
import type { RegistryFormat } from './registry-format';

/** host[:port] of an absolute http(s) URL, lowercased. */
function urlHost(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.host.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Gitea and Forgejo package events: `X-Gitea-Event: package` with {action: "created" | "deleted",
 * package: {owner: {login}, name, type: "container", version, html_url}}. The version is the tag; a
 * manifest pushed by digest alone (a multi-arch image's platforms) has the digest as its version. The
 * registry is the instance itself, so the host comes from package.html_url. Forgejo sends the same
 * payload with both X-Forgejo-* and X-Gitea-* headers.
 * https://github.com/go-gitea/gitea/blob/main/services/webhook/deliver.go
 * https://github.com/go-gitea/gitea/blob/main/modules/structs/hook.go (PackagePayload)
 */
function giteaLike(id: 'gitea' | 'forgejo', label: string, prefix: 'x-gitea' | 'x-forgejo'): RegistryFormat {
  return {
    id,
    label,
    proof: 'signature',
    // [webhook] DELIVER_TIMEOUT in app.ini, default 5 seconds:
    // https://github.com/go-gitea/gitea/blob/main/modules/setting/webhook.go (Forgejo keeps the same default)
    answerWithinMs: 5_000,
    detect: (delivery) => header(delivery, `${prefix}-event`) !== undefined,
    // The header is present but empty when the webhook has no secret.
    verifySignature: (delivery, secret) => verifyHmacSha256(delivery.rawBody, secret, header(delivery, `${prefix}-signature`)),
    parse(delivery) {
      const deliveryId = header(delivery, `${prefix}-delivery`);
      const { body } = delivery;
      if (!isObject(body)) throw invalid('the body must be a JSON object', '请求体必须是 JSON 对象');
      const event = header(delivery, `${prefix}-event`) ?? (isObject(body.package) ? 'package' : undefined);
      if (event === undefined) throw invalid(`the ${prefix}-event header is missing`, `缺少 ${prefix}-event 请求头`);
      if (event !== 'package') return ignored(`${shown(event)} event`, deliveryId);

      const action = str(body.action) ?? '';
      if (action !== 'created') return ignored(`package ${shown(action)} event`, deliveryId);
      const pkg = obj(body.package);
      const type = str(pkg.type) ?? '';
      if (type !== 'container') return ignored(`package of type ${shown(type) || 'unknown'}`, deliveryId);
      const owner = str(obj(pkg.owner).login);
      const name = str(pkg.name);
      const version = str(pkg.version);
      const url = str(pkg.html_url);
      if (!owner || !name) throw invalid('package.owner.login and package.name are required', '缺少 package.owner.login 或 package.name');
      if (!version) throw invalid('package.version is required', '缺少 package.version');
      const host = url ? urlHost(url) : undefined;
      if (!host) throw invalid('package.html_url is missing or has no host', 'package.html_url 缺失或不含主机名');
      if (version.startsWith('sha256:')) return ignored('untagged manifest push', deliveryId);
      return { pushes: [pushEvent({ registry: id, host, path: `${owner}/${name}`, tag: version })], deliveryId };
    },
  };
}

export const gitea = giteaLike('gitea', 'Gitea packages', 'x-gitea');
export const forgejo = giteaLike('forgejo', 'Forgejo packages', 'x-forgejo');
