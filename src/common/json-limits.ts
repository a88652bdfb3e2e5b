/**
 * The deepest nesting of objects and arrays a JSON body may have. The deepest payload a registry
 * sends is 6 levels (GitHub's package events, test/fixtures/webhooks); the DTOs are shallower still.
 * Every walk of a parsed body (class-transformer, class-validator, the registry parsers) recurses, and
 * a body nested 50,000 deep overflowed the stack into a 500.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The most keys one JSON object of a body may have. No DTO has more than a few dozen fields and no
 * registry payload more than a few dozen per object, while class-transformer's key handling is
 * quadratic: 60,000 keys held the event loop for seconds.
 */
export const MAX_JSON_OBJECT_KEYS = 1000;

export type JsonLimit = 'depth' | 'keys';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Which limit the JSON text breaks, if any, found before parsing it: one pass over the bytes that
 * skips string contents and stops at the first breach. Bytes, not characters: in UTF-8 no byte of a
 * multi-byte character is ASCII, so none is mistaken for a bracket or a quote. Text that is not
 * JSON is left to the parser (for text JSON.parse accepts, the counts are exact).
 */
export function brokenJsonLimit(json: Uint8Array, maxDepth = MAX_JSON_DEPTH, maxKeys = MAX_JSON_OBJECT_KEYS): JsonLimit | null {
  // keys[d]: the colons seen so far directly inside the container opened at depth d (only objects have any).
  const keys = new Uint32Array(maxDepth + 1);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const byte = json[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxDepth) return 'depth';
      keys[depth] = 0;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth = Math.max(0, depth - 1);
    } else if (byte === COLON && depth > 0 && ++keys[depth] > maxKeys) {
      return 'keys';
    }
  }
  return null;
}
