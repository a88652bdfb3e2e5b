import { generateWebhookToken, webhookTokensMatch } from './webhook-token';

describe('webhook tokens', () => {
  it('are 256 random bits in base64url, different every time', () => {
    const tokens = new Set(Array.from({ length: 100 }, generateWebhookToken));
    expect(tokens.size).toBe(100);
    for (const t of tokens) {
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(t, 'base64url')).toHaveLength(32);
    }
  });

  it('match only the identical token', () => {
    const token = generateWebhookToken();
    expect(webhookTokensMatch(token, token)).toBe(true);
    expect(webhookTokensMatch(token, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(webhookTokensMatch(token, generateWebhookToken())).toBe(false);
  });

  it('refuse other lengths, non-strings and an empty stored token without throwing', () => {
    const token = generateWebhookToken();
    expect(webhookTokensMatch(token, token.slice(1))).toBe(false);
    expect(webhookTokensMatch(token, `${token}x`)).toBe(false);
    expect(webhookTokensMatch(token, '')).toBe(false);
    expect(webhookTokensMatch(token, undefined)).toBe(false);
    expect(webhookTokensMatch(token, ['x'])).toBe(false);
    expect(webhookTokensMatch('', '')).toBe(false);
    // Same character count, different byte length (multi-byte UTF-8).
    expect(webhookTokensMatch('ab', 'aé')).toBe(false);
  });
});
