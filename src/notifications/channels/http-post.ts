import { request as httpRequest, IncomingMessage, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import type { SendResult } from '../notice';
import { DeliveryError } from './delivery-error';
import { HostLookup, resolveTarget } from './target-address';

/** Enough for any vendor's answer; a receiver cannot make us buffer more. */
export const MAX_ANSWER_BYTES = 64 * 1024;
export const USER_AGENT = 'docker-deploy-script';

export interface HttpAnswer {
  status: number;
  body: string;
}

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  /** Replaces DNS (tests). */
  lookup?: HostLookup;
}

/**
 * POSTs JSON to `url` and reads at most 64 KiB of the answer. `body` is serialised, or sent as is when
 * it is a string (a caller that signs the raw body). Redirects are not followed. Errors name only the
 * URL's origin: robot URLs carry their token in the path or the query.
 */
export async function postJson(url: string, body: unknown, headers: Record<string, string>, opts: PostOptions): Promise<HttpAnswer> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new DeliveryError(`unsupported scheme ${target.protocol}`, false);
  const origin = target.origin;
  const hostname = target.hostname.replace(/^\[|\]$/g, '');
  const plain = target.protocol === 'http:';
  const resolved = await resolveTarget(hostname, {
    allowPrivate: opts.allowPrivate,
    plain,
    plainName: 'plain http',
    lookup: opts.lookup,
  });
  const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  // The connection goes to the address that was checked, whatever DNS would answer now.
  const pinned: LookupFunction = (_host, options, callback) => {
    if (options.all) (callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: resolved.address, family: resolved.family }]);
    else callback(null, resolved.address, resolved.family);
  };
  const options: RequestOptions & { servername?: string } = {
    method: 'POST',
    protocol: target.protocol,
    hostname,
    port: target.port || undefined,
    path: `${target.pathname}${target.search}`,
    headers: { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT, ...headers, 'Content-Length': String(payload.length) },
    lookup: pinned,
    agent: false,
  };
  if (!plain && !isIP(hostname)) options.servername = hostname;

  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (err: DeliveryError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const req = (plain ? httpRequest : httpsRequest)(options, (res) => {
      readBounded(res).then(
        (text) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: text });
        },
        (err: Error) => fail(new DeliveryError(`${origin}: answer broken off (${networkReason(err)})`, true)),
      );
    });
    const timer = setTimeout(() => fail(new DeliveryError(`${origin}: no answer within ${opts.timeoutMs} ms`, true)), opts.timeoutMs);
    req.on('error', (err) => fail(new DeliveryError(`${origin}: ${networkReason(err)}`, true)));
    req.end(payload);
  });
}

/** The first 64 KiB of the answer; the rest is not read. */
function readBounded(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => resolve(Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8'));
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_ANSWER_BYTES) {
        res.removeAllListeners('data');
        res.destroy();
        finish();
      }
    });
    res.on('end', finish);
    res.on('error', reject);
  });
}

/** The error's code (ECONNREFUSED, ECONNRESET, a TLS code ...), never its message, which may quote the request. */
function networkReason(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code ? `${code}` : 'connection failed';
}

/** 2xx ok; 408, 429 and 5xx worth retrying; anything else (4xx, a redirect) final. */
export function httpVerdict(status: number): { ok: boolean; retryable: boolean } {
  if (status >= 200 && status < 300) return { ok: true, retryable: false };
  return { ok: false, retryable: status === 408 || status === 429 || status >= 500 };
}

/** `HTTP 200 {"errcode":0}` for the delivery record (bounded later, and cleaned of secrets). */
export function describeAnswer(answer: HttpAnswer): string {
  return `HTTP ${answer.status} ${answer.body.replace(/\s+/g, ' ').trim()}`.trim();
}

/**
 * A chat robot's answer: HTTP 2xx whose JSON carries the vendor's code, 0 meaning sent. `retryable`
 * lists the vendor's codes for "too fast" and "busy"; any other code is final. An answer without a
 * code cannot be read as sent.
 */
export function judgeRobotAnswer(answer: HttpAnswer, codeOf: (json: Record<string, unknown>) => unknown, retryable: ReadonlySet<number>): SendResult {
  const response = describeAnswer(answer);
  const http = httpVerdict(answer.status);
  if (!http.ok) return { ok: false, retryable: http.retryable, response };
  let code: unknown;
  try {
    const json: unknown = JSON.parse(answer.body);
    code = json && typeof json === 'object' ? codeOf(json as Record<string, unknown>) : undefined;
  } catch {
    code = undefined;
  }
  if (code === 0) return { ok: true, retryable: false, response };
  return { ok: false, retryable: typeof code === 'number' && retryable.has(code), response };
}
