import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { header } from './registries/payload-fields';
import { IncomingDelivery, RegistryFormat } from './registries/registry-format';

/** What proved the sender of an accepted delivery, besides the URL token that found the script. */
export type Proof = 'signature' | 'header' | 'token';

/** A refused proof, with what the delivery log records. */
export class ProofRefused extends AppError {
  constructor(
    readonly proof: 'missing' | 'invalid',
    readonly decision: 'bad_signature' | 'signature_required',
    reason: string,
  ) {
    super(decision === 'bad_signature' ? Errors.WEBHOOK_SIGNATURE_INVALID : Errors.WEBHOOK_SIGNATURE_REQUIRED, { zh: reason, en: reason });
  }
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant time whatever the lengths: both sides are hashed first, so a secret's length does not leak either. */
const sameSecret = (presented: string, secret: string) => timingSafeEqual(digest(presented), digest(secret));

/**
 * The secret a registry sends in a configured header: `X-Webhook-Secret: <secret>`, or
 * `Authorization: <secret>` / `Authorization: Bearer <secret>` (Harbor's "Auth Header", the
 * Distribution/GitLab `headers` setting, Azure's and Tencent's custom headers).
 */
function presentedSecrets(delivery: IncomingDelivery): string[] {
  const authorization = header(delivery, 'authorization');
  return [header(delivery, 'x-webhook-secret'), authorization, authorization?.replace(/^Bearer\s+/i, '')].filter((v): v is string => v !== undefined);
}

/**
 * Checks the strongest proof the registry can give, before anything in the payload is acted on:
 * - registries that sign (GitHub, Gitea, Forgejo): once a secret is set, a valid HMAC of the exact
 *   bytes is required, since such a registry then always signs;
 * - registries that send a configured header: a header that is present must hold the secret; an
 *   absent one is refused when the script requires proof;
 * - registries that can only use the URL token are refused when the script requires proof.
 */
export function checkProof(format: RegistryFormat, delivery: IncomingDelivery, secret: string | null, required: boolean): Proof {
  if (format.proof === 'signature' && secret && format.verifySignature) {
    const verdict = format.verifySignature(delivery, secret);
    if (verdict === 'valid') return 'signature';
    if (verdict === 'missing') throw new ProofRefused('missing', 'signature_required', `${format.label} deliveries must be signed with the stack's signing secret; this one carries no signature`);
    throw new ProofRefused('invalid', 'bad_signature', `the ${format.label} signature does not match the body signed with the stack's signing secret`);
  }
  if (format.proof === 'header' && secret) {
    const presented = presentedSecrets(delivery);
    if (presented.some((p) => sameSecret(p, secret))) return 'header';
    if (presented.length) throw new ProofRefused('invalid', 'bad_signature', 'the Authorization / X-Webhook-Secret header does not hold the stack\'s signing secret');
  }
  if (required) {
    const how =
      format.proof === 'token'
        ? `${format.label} can prove itself only by the URL token; turn off requireSignature to accept it`
        : `set the stack's signing secret in ${format.label}'s webhook (${format.proof === 'signature' ? 'its secret field' : 'an Authorization or X-Webhook-Secret header'})`;
    throw new ProofRefused('missing', 'signature_required', `this stack requires a signature or secret header: ${how}`);
  }
  return 'token';
}
