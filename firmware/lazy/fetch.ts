/* Lazy module `lazy:fetch` (docs/MEMORY.md): FETCH and its HTTP client, loaded by the first `FETCH` command. */
import { consoleLog } from "../platform/console.ts";
import { httpGetter } from "../platform/http-client.ts";
import { timers } from "../platform/timers.ts";
import type { SocketBudget } from "../services/contracts.ts";
import { FETCH_MAX_BYTES, FETCH_TIMEOUT_MS, FetchService } from "../services/fetch-service.ts";

/** FETCH, its socket taken from `budget`. */
export function createFetch(budget: SocketBudget): FetchService {
  return new FetchService(httpGetter, budget, timers, consoleLog, FETCH_TIMEOUT_MS, FETCH_MAX_BYTES);
}
