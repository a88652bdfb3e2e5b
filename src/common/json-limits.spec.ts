import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokenJsonLimit, MAX_JSON_DEPTH, MAX_JSON_OBJECT_KEYS } from './json-limits';

const check = (text: string, maxDepth?: number, maxKeys?: number) => brokenJsonLimit(Buffer.from(text, 'utf8'), maxDepth, maxKeys);
const nestedObjects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const nestedArrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
/** Nesting depth and the most keys of one object, of a parsed value: what the scan must find in its text. */
function shape(value: unknown): { depth: number; keys: number } {
  if (value === null || typeof value !== 'object') return { depth: 0, keys: 0 };
  const children = Object.values(value).map(shape);
  return {
    depth: 1 + Math.max(0, ...children.map((c) => c.depth)),
    keys: Math.max(Array.isArray(value) ? 0 : Object.keys(value).length, ...children.map((c) => c.keys)),
  };
}
const objectWithKeys = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));

describe('brokenJsonLimit', () => {
  it('lets through JSON up to the limits, at every top-level kind', () => {
    for (const text of ['1', '"x"', 'null', '[]', '{}', nestedObjects(MAX_JSON_DEPTH), nestedArrays(MAX_JSON_DEPTH), objectWithKeys(MAX_JSON_OBJECT_KEYS)]) {
      expect(check(text)).toBeNull();
    }
  });

  it('refuses one level or one key too many, in objects and arrays alike', () => {
    expect(check(nestedObjects(MAX_JSON_DEPTH + 1))).toBe('depth');
    expect(check(nestedArrays(MAX_JSON_DEPTH + 1))).toBe('depth');
    expect(check(`[{"a":[${nestedObjects(MAX_JSON_DEPTH - 1)}]}]`)).toBe('depth');
    expect(check(objectWithKeys(MAX_JSON_OBJECT_KEYS + 1))).toBe('keys');
    expect(check(`{"outer":${objectWithKeys(MAX_JSON_OBJECT_KEYS + 1)}}`)).toBe('keys');
  });

  it('refuses a body nested 50,000 deep at once, without overflowing anything', () => {
    expect(check(nestedObjects(50_000))).toBe('depth');
    expect(check(nestedArrays(50_000))).toBe('depth');
  });

  it('counts the keys of each object on its own, not the keys of its siblings or children', () => {
    const half = objectWithKeys(MAX_JSON_OBJECT_KEYS / 2);
    expect(check(`{"a":${half},"b":${half},"c":[${half},${half}]}`)).toBeNull();
    expect(check(`[${Array.from({ length: 3 * MAX_JSON_OBJECT_KEYS }, () => '{"k":1}').join(',')}]`)).toBeNull();
  });

  it('does not count brackets, colons or quotes inside strings', () => {
    expect(check(JSON.stringify({ s: '{'.repeat(1000) + '['.repeat(1000) }))).toBeNull();
    expect(check(JSON.stringify({ s: ':'.repeat(5000) }))).toBeNull();
    expect(check(JSON.stringify({ s: '\\"{{{{\\', t: '"[[[["' }), 3)).toBeNull();
    expect(check(JSON.stringify([['\\'], ['\\\\"'], [['"']]]), 3)).toBeNull();
    expect(check(JSON.stringify([[['\\']]]), 2)).toBe('depth');
  });

  it('reads multi-byte UTF-8 and invalid bytes as string contents or noise, never as structure', () => {
    expect(check(JSON.stringify({ 名: '{[栈]}', emoji: '😀'.repeat(100) }), 1)).toBeNull();
    expect(brokenJsonLimit(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x7b, 0x22, 0x3a, 0x31, 0x7d]), 1)).toBeNull();
  });

  it('leaves malformed text to the parser without misreading it', () => {
    for (const text of ['', '}}}}]]]]{', '{"a":', '"unterminated {{{{', ':::::', ']'.repeat(100) + '['.repeat(3)]) {
      expect(check(text, 3, 3)).toBeNull();
    }
    // Stray closing brackets do not buy the openers after them extra depth.
    expect(check(']'.repeat(100) + '['.repeat(4), 3)).toBe('depth');
  });

  it('allows every real registry payload with room to spare', () => {
    const dir = join(__dirname, '../../test/fixtures/webhooks');
    const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(fixtures.length).toBeGreaterThan(10);
    for (const file of fixtures) expect([file, brokenJsonLimit(readFileSync(join(dir, file)), 8, 100)]).toEqual([file, null]);
  });

  it('finds exactly the depth and key count of any JSON text, whatever its strings hold', () => {
    const anyJson = fc.jsonValue({ maxDepth: 6, stringUnit: fc.constantFrom('"', '\\', '{', '[', '}', ']', ':', 'a', '栈', '😀', '\u0000') });
    fc.assert(
      fc.property(anyJson, fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const { depth, keys } = shape(JSON.parse(text));
        expect(check(text, depth, Math.max(keys, 1))).toBeNull();
        if (depth > 0) expect(check(text, depth - 1, 1e6)).toBe('depth');
        if (keys > 0) expect(check(text, 1e6, keys - 1)).toBe('keys');
      }),
      { numRuns: 500 },
    );
  });
});
