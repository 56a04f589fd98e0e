import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const protocolEntry = fileURLToPath(new URL('../protocol/src/index.ts', import.meta.url));

/**
 * The page is static: it reads its API and socket addresses from /config.json at run time, so
 * one build serves every deployment. `npm run dev -w web` proxies to a local stack.
 */
export default defineConfig({
  plugins: [react()],
  // The contract workspace is TypeScript source; point at it so Vite compiles it with the page.
  resolve: { alias: { '@xtrader/protocol': protocolEntry } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 700 },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:7000',
      '/config.json': 'http://127.0.0.1:7001',
      '/socket.io': { target: 'ws://127.0.0.1:7001', ws: true },
    },
  },
});
