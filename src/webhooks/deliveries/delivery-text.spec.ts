import { clip, payloadExcerpt } from './delivery-text';

describe('clip', () => {
  it('keeps short values, and stores nothing for null, undefined or empty', () => {
    expect(clip('prod-1.4.7', 128)).toBe('prod-1.4.7');
    expect(clip('x'.repeat(128), 128)).toBe('x'.repeat(128));
    expect([clip(null, 5), clip(undefined, 5), clip('', 5)]).toEqual([null, null, null]);
  });

  it('cuts to the column size in code points, never through a surrogate pair', () => {
    expect(clip('abcdef', 4)).toBe('abcd');
    // Four emoji are eight UTF-16 units but four characters for MySQL's VARCHAR(4).
    expect(clip('😀😀😀😀', 4)).toBe('😀😀😀😀');
    expect(clip('😀😀😀😀😀', 4)).toBe('😀😀😀😀');
    expect(clip('a😀b', 2)).toBe('a😀');
  });

  it('replaces lone surrogates, which MySQL would refuse', () => {
    expect(clip('a\uD800b\uDC00', 10)).toBe('a\uFFFDb\uFFFD');
  });

  it('ends a cut value with the marker, within the size', () => {
    const cut = clip('the service could not be updated because of a very long reason', 20, '…')!;
    expect(cut).toBe('the service could n…');
    expect([...cut].length).toBe(20);
  });

  it('cuts the same input the same way (a looked-up key matches the stored one)', () => {
    const id = 'd'.repeat(300);
    expect(clip(id, 128)).toBe(clip(id, 128));
  });
});

describe('payloadExcerpt', () => {
  it('keeps a short body as it came', () => {
    expect(payloadExcerpt('{"push_data":{"tag":"v1"}}')).toBe('{"push_data":{"tag":"v1"}}');
    expect(payloadExcerpt(Buffer.from('{"a":"é"}'))).toBe('{"a":"é"}');
  });

  it('writes a parsed body as JSON', () => {
    expect(payloadExcerpt({ push_data: { tag: 'v1' } })).toBe('{"push_data":{"tag":"v1"}}');
    expect(payloadExcerpt([1, 2])).toBe('[1,2]');
  });

  it('has nothing for no body', () => {
    expect([payloadExcerpt(undefined), payloadExcerpt(null), payloadExcerpt('')]).toEqual([null, null, null]);
  });

  it('cuts a long body to 2,048 characters with a marker giving its length', () => {
    const body = 'x'.repeat(5000);
    const excerpt = payloadExcerpt(body)!;
    expect(excerpt.length).toBe(2048);
    expect(excerpt).toMatch(/^x+…\[truncated: 5000 characters in all\]$/);
    expect(payloadExcerpt('y'.repeat(2048))).toBe('y'.repeat(2048));
  });

  it('survives a body JSON cannot write', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(payloadExcerpt(cyclic)).toBe('[object Object]');
  });
});
