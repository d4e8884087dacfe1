/* Lazy module `lazy:fetch` (docs/MEMORY.md): FETCH and its HTTP client, loaded by the first `FETCH` command. */
export { FETCH_MAX_BYTES, FETCH_TIMEOUT_MS, FetchService } from "../services/fetch-service.ts";
export { httpGetter } from "../platform/http-client.ts";
