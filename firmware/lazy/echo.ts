/*
 * Lazy module `lazy:echo` (rollup.config.js, docs/MEMORY.md): TCP echo's connections. app.ts
 * loads it for the first echo client and drops it when the last has gone; UDP echo stays resident.
 */
export { ECHO_IDLE_MS, EchoTcp } from "../services/echo-server.ts";
