import { prefersEnglish } from './i18n';

describe('prefersEnglish', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['zh-CN,zh;q=0.9,en;q=0.8', false],
    ['en-US,en;q=0.9', true],
    ['en', true],
    ['fr-FR, en;q=0.5', true],
    ['zh;q=0.4, en;q=0.6', true],
    ['en;q=0, zh', false],
    ['de', false],
  ])('%j -> %s', (header, expected) => {
    expect(prefersEnglish(header as string | undefined)).toBe(expected);
  });
});
