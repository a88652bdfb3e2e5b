/** Longer URLs are not a robot's or a receiver's; they are a mistake or an attack on the log. */
export const MAX_URL_LENGTH = 2048;

/** The target URL of an HTTP channel, or an English reason it cannot be one. */
export function parseWebhookUrl(raw: string | undefined): URL | string {
  if (!raw) return 'url is required';
  if (raw.length > MAX_URL_LENGTH) return `url must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url is not a valid URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'url must start with https:// or http://';
  if (url.username || url.password) return 'url must not contain a user name or password';
  if (!url.hostname) return 'url has no host';
  return url;
}
