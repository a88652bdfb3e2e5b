/** The login session kept in localStorage so a reload stays logged in; tokens never leave this origin. */
export interface Session {
  id: number;
  username: string;
  name: string;
  role: 'ADMIN' | 'USER';
  authorization: string;
  refreshToken: string;
}

const KEY = 'dds.session';

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
}

/** Seconds since the epoch when a JWT expires, read from its payload (not verified: the server does that). */
export function tokenExpiry(jwt: string): number | null {
  try {
    const payload = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = (JSON.parse(atob(payload)) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}
