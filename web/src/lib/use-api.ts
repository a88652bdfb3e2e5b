import { useMessage } from 'naive-ui';
import { ApiError } from './api';

/** Shows an API error's envelope message (in the chosen language, naming the fields at fault) and returns it. */
export function useErrorMessage() {
  const message = useMessage();
  return (err: unknown): string => {
    const text = err instanceof ApiError ? `${err.message}${err.code ? ` (${err.code})` : ''}` : String(err);
    message.error(text, { duration: 6000, closable: true });
    return text;
  };
}
