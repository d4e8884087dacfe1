/*
 * Lazy module `lazy:web-parser` (docs/MEMORY.md rule 4): the general HTTP request parser
 * (lib/http/request-general.ts), for every request that is not the usual one (a POST, a head
 * split over chunks, anything malformed). services/web.ts loads it when a request needs it and
 * keeps it while requests go on needing it, dropping it at the tick after a second without one.
 */
export { feedAny } from "../../lib/http/request-general.ts";
