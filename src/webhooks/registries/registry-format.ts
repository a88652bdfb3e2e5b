import type { PushEvent } from '../push-event';

export type RegistryId = 'aliyun' | 'dockerhub' | 'harbor' | 'github' | 'gitea' | 'forgejo' | 'distribution' | 'azure' | 'quay' | 'tencent';

/** The strongest proof this registry can give besides the URL token. */
export type ProofKind = 'signature' | 'header' | 'token';

export interface IncomingDelivery {
  /** lower-case header names as Fastify gives them */
  headers: Record<string, string | string[] | undefined>;
  /** parsed JSON */
  body: unknown;
  /** exact bytes received */
  rawBody: Buffer;
}

export interface ParsedDelivery {
  /** Image pushes of a tagged image, oldest first; one PushEvent per tag (Quay updated_tags[], Harbor resources[] may carry several). */
  pushes: PushEvent[];
  /** When pushes is empty: why this delivery is acknowledged but ignored, in plain English ("ping event", "layer (blob) push"...). */
  ignored?: string;
  /** The registry's own unique id of this delivery/event when it sends one, for replay detection. */
  deliveryId?: string;
}

export interface RegistryFormat {
  id: RegistryId;
  /** e.g. 'GitHub Packages (ghcr.io)' */
  label: string;
  proof: ProofKind;
  /**
   * How long this registry waits for our HTTP answer before it counts the delivery as failed;
   * undefined where the vendor documents none (WEBHOOK_WAIT_SECONDS then decides).
   */
  answerWithinMs: number | undefined;
  detect(delivery: IncomingDelivery): boolean;
  /** Only for proof 'signature': HMAC-SHA256 over delivery.rawBody with the secret, compared in constant time. */
  verifySignature?(delivery: IncomingDelivery, secret: string): 'valid' | 'missing' | 'invalid';
  /** Throws AppError(Errors.WEBHOOK_PAYLOAD_INVALID, {en, zh}) for a recognised but malformed body. */
  parse(delivery: IncomingDelivery): ParsedDelivery;
}
