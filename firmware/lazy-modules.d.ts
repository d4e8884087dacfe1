/*
 * The lazy modules the build makes from firmware/lazy/<name>.ts (rollup.config.js): `load()`
 * creates the module's functions and returns its exports; dropping them frees the RAM.
 */
declare module "lazy:web" {
  export function load(): typeof import("./lazy/web.ts");
}
