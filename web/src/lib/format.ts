/** A date as the browser's locale writes it, or a dash. */
export const formatTime = (iso: string | null | undefined, language: string): string =>
  iso ? new Date(iso).toLocaleString(language === 'en' ? 'en-GB' : 'zh-CN', { dateStyle: 'short', timeStyle: 'medium' }) : '—';
