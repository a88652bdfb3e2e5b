import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is compiled into dist/web and served by the app itself (src/dashboard): same origin,
// no CDN. `npm run dev:web` proxies the API to a running app for front-end work.
const api = process.env.API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks: (id) =>
          id.includes('node_modules/@codemirror') || id.includes('node_modules/@lezer') || id.includes('node_modules/codemirror')
            ? 'editor'
            : id.includes('node_modules/naive-ui') || id.includes('node_modules/vueuc') || id.includes('node_modules/css-render')
              ? 'ui'
              : undefined,
      },
    },
  },
  server: { proxy: { '/web': api, '/api': api, '/docs': api, '/health': api } },
});
