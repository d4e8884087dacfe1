/*
 * Lazy module `lazy:web` (rollup.config.js, docs/MEMORY.md): the web server's request handling,
 * its Storage reader and the /setup action. app.ts loads it when an HTTP client connects and
 * drops it when the last one has gone, so an idle device holds none of it in RAM. Its rarely used
 * routes are a lazy module of their own (`lazy:web-more`), loaded for each such request.
 */
import { load as loadMore } from "lazy:web-more";
import { setMore } from "../services/web/web-server.ts";
export { createWebHandler } from "../services/web/web-server.ts";
export { createStorageFiles } from "../platform/storage-files.ts";
export { createWifiSetup } from "../platform/wifi-setup.ts";
export { TokenAuth } from "../services/auth.ts";
export { startWeb } from "../services/resident-web.ts";

setMore(function () {
  return loadMore().more;
});
