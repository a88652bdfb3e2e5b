import { createHmac, timingSafeEqual } from 'node:crypto';

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/**
 * Checks `signature` (hex HMAC-SHA256 of the exact bytes received, after an optional prefix such as
 * GitHub's `sha256=`) in constant time. Anything not shaped like such a signature is 'invalid', never
 * an exception. https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
export function verifyHmacSha256(rawBody: Buffer, secret: string, signature: string | undefined, prefix = ''): 'valid' | 'missing' | 'invalid' {
  if (signature === undefined || signature === '') return 'missing';
  if (!signature.startsWith(prefix)) return 'invalid';
  const hex = signature.slice(prefix.length);
  if (!SHA256_HEX.test(hex)) return 'invalid';
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(hex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'invalid';
}
