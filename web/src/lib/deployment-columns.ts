import { h } from 'vue';
import { RouterLink } from 'vue-router';
import type { DataTableColumns } from 'naive-ui';
import { useI18n } from 'vue-i18n';
import StatusTag from '../components/StatusTag.vue';
import { formatTime } from './format';
import { durationMs, formatDuration, targetImage } from './outcome';
import type { Deployment } from './types';

/** Deployment tables (a stack's history, every deployment): the same columns, the stack's only where asked. */
export function useDeploymentColumns() {
  const { t, te, locale } = useI18n();
  /** An API value in words (`deployments.<group>.<value>`), or as it is when there are none. */
  const label = (group: string, value: string) => (te(`deployments.${group}.${value}`) ? t(`deployments.${group}.${value}`) : value);
  const columns = (opts: { stack?: boolean } = {}): DataTableColumns<Deployment> => [
    { title: '#', key: 'id', minWidth: 64, render: (d) => h(RouterLink, { to: `/deployments/${d.id}` }, { default: () => `#${d.id}` }) },
    ...(opts.stack
      ? [{ title: t('deployments.stack'), key: 'serviceName', minWidth: 140, render: (d: Deployment) => (d.scriptId ? h(RouterLink, { to: `/scripts/${d.scriptId}` }, { default: () => d.serviceName }) : d.serviceName) }]
      : []),
    { title: t('deployments.action'), key: 'action', minWidth: 90, render: (d) => label('actions', d.action) },
    { title: t('common.status'), key: 'status', minWidth: 110, render: (d) => h(StatusTag, { status: d.status }) },
    { title: t('deployments.trigger'), key: 'trigger', minWidth: 110, render: (d) => label('triggers', d.trigger) + (d.source ? ` · ${d.source}` : '') },
    { title: t('deployments.image'), key: 'image', minWidth: 220, render: (d) => h('span', { class: 'mono break' }, targetImage(d) ?? '—') },
    { title: t('deployments.duration'), key: 'duration', minWidth: 90, render: (d) => formatDuration(durationMs(d)) },
    { title: t('deployments.when'), key: 'createdAt', minWidth: 170, render: (d) => formatTime(d.createdAt, locale.value) },
  ];
  return { columns, label };
}
