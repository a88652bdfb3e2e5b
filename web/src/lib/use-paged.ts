import { reactive, ref, Ref } from 'vue';
import { Page } from './api';
import { useErrorMessage } from './use-api';

/**
 * A table paged by the API: its rows, the pagination state a Naive UI data table reads, and the
 * handlers that load another page. An error is shown and the rows stay as they were.
 */
export function usePaged<T>(fetchPage: (pageNumber: number, pageSize: number) => Promise<Page<T>>, opts: { pageSize?: number; pageSizes?: number[] } = {}) {
  const showError = useErrorMessage();
  const rows = ref([]) as Ref<T[]>;
  const loading = ref(false);
  const pagination = reactive({
    page: 1,
    pageSize: opts.pageSize ?? 20,
    itemCount: 0,
    ...(opts.pageSizes ? { showSizePicker: true, pageSizes: opts.pageSizes } : {}),
  });

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const page = await fetchPage(pagination.page, pagination.pageSize);
      rows.value = page.content;
      pagination.itemCount = page.totalElements;
    } catch (err) {
      showError(err);
    } finally {
      loading.value = false;
    }
  }

  return {
    rows,
    loading,
    pagination,
    load,
    /** From the first page: a filter changed. */
    reload: () => ((pagination.page = 1), load()),
    onPage: (page: number) => ((pagination.page = page), load()),
    onPageSize: (size: number) => ((pagination.pageSize = size), (pagination.page = 1), load()),
  };
}
