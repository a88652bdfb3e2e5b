import { redactUrl } from './logging';

describe('redactUrl', () => {
  it('removes webhook and refresh tokens from query strings', () => {
    expect(redactUrl('/api/autoUpdate/1/halo?token=abc123&x=1')).toBe('/api/autoUpdate/1/halo?token=[REDACTED]&x=1');
    expect(redactUrl('/a?x=1&TOKEN=s3cr3t')).toBe('/a?x=1&TOKEN=[REDACTED]');
    expect(redactUrl('/web/user/script?pageNumber=1')).toBe('/web/user/script?pageNumber=1');
  });
});
