import { isIP } from 'node:net';
import { createTransport } from 'nodemailer';
import type { ChannelTarget, DeploymentNotice, EmailSettings, SendOptions, SendResult } from '../notice';
import { EMAIL_SECURITY } from '../notice';
import { DeliveryError } from './delivery-error';
import { HostLookup, resolveTarget } from './target-address';
import { renderEmail } from './render';

const MAX_RECIPIENTS = 20;
const ADDRESS = /^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+$/;
/** `ops@example.com` or `Deployments <ops@example.com>`. */
const FROM = /^(?:[^\r\n<>]*<[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+>|[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+)$/;
const HOST = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
/** Connection, time-out and socket failures are worth retrying; a refused login, TLS set-up or message is not. */
const RETRYABLE_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EPROTOCOL', 'ECONNREFUSED', 'ECONNRESET']);

export function checkEmailTarget(target: ChannelTarget): string | null {
  const email = target.email;
  if (!email) return 'email settings are required';
  if (typeof email.host !== 'string' || !(HOST.test(email.host) || isIP(email.host))) return 'email.host must be a host name or an IP address';
  if (!Number.isInteger(email.port) || email.port < 1 || email.port > 65535) return 'email.port must be between 1 and 65535';
  if (!(EMAIL_SECURITY as readonly string[]).includes(email.security)) return `email.security must be one of ${EMAIL_SECURITY.join(', ')}`;
  if (typeof email.from !== 'string' || !FROM.test(email.from.trim())) return 'email.from must be an e-mail address';
  if (!Array.isArray(email.to) || email.to.length < 1 || email.to.length > MAX_RECIPIENTS) return `email.to must list 1 to ${MAX_RECIPIENTS} addresses`;
  const bad = email.to.find((to) => typeof to !== 'string' || !ADDRESS.test(to));
  if (bad !== undefined) return 'email.to must contain only e-mail addresses';
  if (email.password && !email.username) return 'email.password needs email.username';
  return null;
}

/**
 * Connects to the address that was checked (nodemailer gets the IP; TLS still verifies the name through
 * `servername`), so a second DNS answer cannot redirect the mail.
 */
export async function sendEmail(target: ChannelTarget, notice: DeploymentNotice, opts: SendOptions & { lookup?: HostLookup }): Promise<SendResult> {
  const email = target.email!;
  const resolved = await resolveTarget(email.host, {
    allowPrivate: opts.allowPrivate,
    plain: email.security === 'none',
    plainName: 'plain SMTP (security none)',
    lookup: opts.lookup,
  });
  const servername = isIP(email.host) ? undefined : email.host;
  const transport = createTransport({
    host: resolved.address,
    port: email.port,
    secure: email.security === 'tls',
    requireTLS: email.security === 'starttls',
    ignoreTLS: email.security === 'none',
    tls: servername ? { servername } : {},
    auth: email.username ? { user: email.username, pass: email.password ?? '' } : undefined,
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: opts.timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const { subject, html, text } = renderEmail(notice, opts.language);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeliveryError(`${where(email)}: no answer within ${opts.timeoutMs} ms`, true)), opts.timeoutMs);
  });
  try {
    const info = await Promise.race([transport.sendMail({ from: email.from, to: email.to, subject, html, text }), deadline]);
    return { ok: true, retryable: false, response: String(info.response ?? 'sent') };
  } catch (err) {
    if (err instanceof DeliveryError) throw err;
    return smtpFailure(email, err as SmtpError);
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}

interface SmtpError extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
}

/** A 4xx reply is temporary (retry), a 5xx permanent; without a reply it depends on what broke. */
function smtpFailure(email: EmailSettings, err: SmtpError): SendResult {
  if (typeof err.responseCode === 'number') {
    return { ok: false, retryable: err.responseCode >= 400 && err.responseCode < 500, response: `${where(email)}: ${err.response ?? err.responseCode}` };
  }
  const code = err.code ?? 'error';
  return { ok: false, retryable: RETRYABLE_CODES.has(code), response: `${where(email)}: ${code} ${err.message}` };
}

function where(email: EmailSettings): string {
  return `SMTP ${email.host}:${email.port}`;
}
