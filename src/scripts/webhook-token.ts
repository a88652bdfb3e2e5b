import { randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url (43 characters): the per-script secret in the autoUpdateUrl. */
export function generateWebhookToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Compares a presented token with the stored one in constant time. Different lengths are a mismatch
 * (timingSafeEqual throws on them); the length of a fixed-size token is no secret.
 */
export function webhookTokensMatch(stored: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || stored.length === 0) return false;
  const a = Buffer.from(stored, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
