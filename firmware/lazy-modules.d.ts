/*
 * The lazy modules the build makes from firmware/lazy/<name>.ts (rollup.config.js): `load()`
 * creates the module's functions and returns its exports; dropping them frees the RAM.
 */
declare module "lazy:web" {
  export function load(): typeof import("./lazy/web.ts");
}
declare module "lazy:line" {
  export function load(): typeof import("./lazy/line.ts");
}
declare module "lazy:echo" {
  export function load(): typeof import("./lazy/echo.ts");
}
declare module "lazy:push" {
  export function load(): typeof import("./lazy/push.ts");
}
declare module "lazy:fetch" {
  export function load(): typeof import("./lazy/fetch.ts");
}
declare module "lazy:line-cmd" {
  export function load(): typeof import("./lazy/line-cmd.ts");
}
declare module "lazy:web-more" {
  export function load(): typeof import("./lazy/web-more.ts");
}
declare module "lazy:device" {
  export function load(): typeof import("./lazy/device.ts");
}
