import { DELIVERY_LIMITS } from './webhook-delivery.entity';

/** A surrogate without its partner: MySQL's utf8mb4 refuses it, so it becomes U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The UTF-16 index after the first `max` code points of `s` (MySQL's VARCHAR(n) counts code points). */
function codePointIndex(s: string, max: number): number {
  let i = 0;
  for (let n = 0; n < max && i < s.length; n++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
  }
  return i;
}

/**
 * `value` cut to at most `max` code points (never half a surrogate pair), `marker` ending it when
 * cut; null for null, undefined or ''. The same input always gives the same output, so a stored
 * value and a value looked up are cut alike.
 */
export function clip(value: string | null | undefined, max: number, marker = ''): string | null {
  if (value === null || value === undefined || value === '') return null;
  const s = value.replace(LONE_SURROGATE, '\uFFFD');
  if (s.length <= max) return s;
  const cut = codePointIndex(s, max);
  if (cut === s.length) return s;
  const room = max - [...marker].length;
  return room > 0 ? s.slice(0, codePointIndex(s, room)) + marker : s.slice(0, cut);
}

/**
 * The start of a request body for the delivery log: a string or bytes as UTF-8 text, anything else
 * (an already parsed body) as JSON; at most `max` characters, ending with a marker saying how long
 * the body was when it had to be cut. Null when there is no body.
 */
export function payloadExcerpt(body: unknown, max: number = DELIVERY_LIMITS.payload): string | null {
  if (body === null || body === undefined) return null;
  let text: string;
  if (typeof body === 'string') text = body;
  else if (Buffer.isBuffer(body) || body instanceof Uint8Array) text = Buffer.from(body).toString('utf8');
  else {
    try {
      text = JSON.stringify(body) ?? String(body);
    } catch {
      text = String(body);
    }
  }
  return clip(text, max, `…[truncated: ${text.length} characters in all]`);
}
