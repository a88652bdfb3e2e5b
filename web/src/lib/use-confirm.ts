import { useDialog } from 'naive-ui';
import { useI18n } from 'vue-i18n';

/** A confirmation before a step that changes something: the button names the step, Cancel is always there. */
export function useConfirm() {
  const dialog = useDialog();
  const { t } = useI18n();
  return (opts: { title: string; content: string; action?: string; tone?: 'info' | 'warning'; onConfirm: () => unknown }) =>
    dialog[opts.tone ?? 'warning']({
      title: opts.title,
      content: opts.content,
      positiveText: opts.action ?? opts.title,
      negativeText: t('common.cancel'),
      onPositiveClick: () => void opts.onConfirm(),
    });
}
