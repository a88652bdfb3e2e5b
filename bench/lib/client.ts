/** Minimal JSON client for the app under benchmark. */
export async function call<T = any>(base: string, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(token && { authorization: token }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { code: number; message: string; data: T };
  if (json.code !== 0) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

/** Registers (the first user is ADMIN) and logs in; returns the access token and user id. */
export async function adminSession(base: string): Promise<{ token: string; userId: number }> {
  const username = `bench${Date.now().toString(36)}`;
  await call(base, 'POST', '/web/user/login/registered', { username, password: 'violet-otter-42', name: 'bench', phone: '15159845510' });
  const login = await call<{ authorization: string; id: number }>(base, 'POST', '/web/user/login', { username, password: 'violet-otter-42' });
  return { token: login.authorization, userId: login.id };
}

export const composeFor = (image: string) => `services:\n  app:\n    image: ${image}\n    stop_grace_period: 1s\n`;
