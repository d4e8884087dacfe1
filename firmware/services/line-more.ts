/*
 * Loads `lazy:line-more` (HELP, AUTH, UDP, FETCH) for the line protocol (lazy:line). Kept a
 * module of the services so that the loader is resident (rollup.config.js shares the services'
 * modules with lazy modules): otherwise lazy:line would carry the rare commands' whole text and
 * scan it at every load.
 */
export { load as loadMore } from "lazy:line-more";
