import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The back office builds into web/dist, which wrangler.toml serves as the Worker's static assets.
// `npm run dev:web` serves it with hot reload instead and forwards the API to `npm run dev`.
const api = process.env.OMS_URL ?? "http://127.0.0.1:8787";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  // Mermaid's diagram types are big chunks, loaded only by the process page.
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 2000 },
  server: {
    port: 5173,
    proxy: { "/trpc": api, "/healthz": api, "/webhooks": api },
  },
});
