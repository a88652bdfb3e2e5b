import { reactive } from 'vue';
import { loadSession, saveSession, Session, tokenExpiry } from './session';

/** An answer whose envelope code is not 0, or a request that never got one. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: unknown = undefined,
    readonly status = 0,
  ) {
    super(message);
  }
}

export interface Envelope<T> {
  code: number;
  message: string;
  data?: T;
}

export interface Page<T> {
  content: T[];
  totalPages: number;
  totalElements: number;
  pageNumber: number;
  pageSize: number;
}

/** Refresh this long before the access token expires, so no request meets an expired one. */
const REFRESH_MARGIN_S = 120;
const SESSION_ENDED = [40100, 40102, 40103, 40301];

export const auth = reactive<{ session: Session | null; language: 'zh' | 'en' }>({ session: loadSession(), language: 'zh' });

let refreshing: Promise<boolean> | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
const endListeners: Array<(reason: string) => void> = [];

/** Called when the session ends without the user logging out (token revoked, user disabled). */
export function onSessionEnd(listener: (reason: string) => void): void {
  endListeners.push(listener);
}

export function setSession(session: Session | null): void {
  auth.session = session;
  saveSession(session);
  scheduleRefresh();
}

function endSession(reason: string): void {
  setSession(null);
  for (const listener of endListeners) listener(reason);
}

/** Sets a timer that swaps the refresh token shortly before the access token expires. */
function scheduleRefresh(): void {
  clearTimeout(refreshTimer);
  const token = auth.session?.authorization;
  const exp = token ? tokenExpiry(token) : null;
  if (!exp) return;
  const inMs = Math.max(5_000, (exp - REFRESH_MARGIN_S) * 1000 - Date.now());
  refreshTimer = setTimeout(() => void refresh(), Math.min(inMs, 2 ** 31 - 1));
}

/** One refresh at a time: concurrent 401s share it (the refresh token is single-use). */
export function refresh(): Promise<boolean> {
  if (!refreshing) {
    refreshing = (async () => {
      const current = auth.session;
      if (!current) return false;
      try {
        const next = await call<Session>('POST', '/web/user/login/refresh', { refreshToken: current.refreshToken }, false);
        // Another tab may have logged out meanwhile.
        if (auth.session?.refreshToken === current.refreshToken) setSession({ ...current, ...next });
        return true;
      } catch (err) {
        if (err instanceof ApiError && SESSION_ENDED.includes(err.code)) endSession(err.message);
        return false;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

function headers(withAuth: boolean, body: unknown): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json', 'accept-language': auth.language === 'en' ? 'en' : 'zh-CN' };
  if (body !== undefined) h['content-type'] = 'application/json';
  if (withAuth && auth.session) h.authorization = `Bearer ${auth.session.authorization}`;
  return h;
}

async function call<T>(method: string, path: string, body: unknown, withAuth: boolean): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { method, headers: headers(withAuth, body), body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, auth.language === 'en' ? 'The server cannot be reached' : '无法连接服务器');
  }
  let envelope: Envelope<T>;
  try {
    envelope = (await res.json()) as Envelope<T>;
  } catch {
    throw new ApiError(0, `HTTP ${res.status}`, undefined, res.status);
  }
  if (envelope.code !== 0) throw new ApiError(envelope.code, envelope.message, envelope.data, res.status);
  return envelope.data as T;
}

export function withQuery(path: string, query: Record<string, string | number | boolean | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** A call to the API with the session's token; an expired token is refreshed once and the call repeated. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  try {
    return await call<T>(method, path, body, true);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 40100 || !auth.session) throw err;
    if (!(await refresh())) {
      if (auth.session) endSession(err.message);
      throw err;
    }
    return call<T>(method, path, body, true);
  }
}

/** Calls that need no session (login, register). */
export const publicApi = <T>(method: string, path: string, body?: unknown) => call<T>(method, path, body, false);

export async function logout(): Promise<void> {
  try {
    if (auth.session) await call('POST', '/web/user/logout', undefined, true);
  } catch {
    // The session ends here either way.
  } finally {
    setSession(null);
  }
}

/** Starts the refresh timer for a session restored from localStorage. */
export function resumeSession(): void {
  scheduleRefresh();
}

/** The token for requests made outside api() (the event stream). */
export const accessToken = () => auth.session?.authorization ?? '';
