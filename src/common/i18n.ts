/**
 * English when Accept-Language ranks an English tag above any Chinese one; Chinese (the contract's
 * language) otherwise.
 */
export function prefersEnglish(acceptLanguage: string | string[] | undefined): boolean {
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : acceptLanguage;
  if (!header) return false;
  let best: { lang: string; q: number } | undefined;
  for (const part of header.split(',')) {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!tag || !Number.isFinite(q) || q <= 0) continue;
    const lang = tag.split('-')[0];
    if ((lang === 'en' || lang === 'zh') && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang === 'en';
}

export const SUCCESS_MESSAGE = { zh: '成功', en: 'success' };
