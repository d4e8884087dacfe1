/*
 * Lazy module `lazy:web-more` (rollup.config.js, docs/MEMORY.md): the web server's rarely used
 * routes (services/web/web-more.ts: /status, /api/status, /api/samples, the /setup POST), loaded
 * by `lazy:web` for each such request and dropped after it.
 */
export { more } from "../services/web/web-more.ts";
