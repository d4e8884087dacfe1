/*
 * The lazy modules the build makes from firmware/lazy/<name>.ts (rollup.config.js): `load()`
 * creates the module's functions and returns its exports; dropping them frees the RAM. A lazy
 * module is bundled on its own: it must not import a resident firmware module that holds state
 * (services/device.ts and the services), or it would get a second copy of it.
 */
declare module "lazy:line-more" {
  export function load(): typeof import("./lazy/line-more.ts");
}
declare module "lazy:web-setup" {
  export function load(): typeof import("./lazy/web-setup.ts");
}
declare module "lazy:web-stream" {
  export function load(): typeof import("./lazy/web-stream.ts");
}
declare module "lazy:line" {
  export function load(): typeof import("./lazy/line.ts");
}
declare module "lazy:web-parser" {
  export function load(): typeof import("./lazy/web-parser.ts");
}
declare module "lazy:mqtt" {
  export function load(): typeof import("./lazy/mqtt.ts");
}
declare module "lazy:mqtt-ha" {
  export function load(): typeof import("./lazy/mqtt-ha.ts");
}
