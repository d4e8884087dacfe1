/*
 * The router: method and path to a handler. A table maps each path to its methods; a GET route
 * also answers HEAD (the caller sends the head only). An unknown path is 404; a known path with
 * another method is 405, with the `Allow` value to send.
 */

export interface Routes<H> {
  [path: string]: { [method: string]: H };
}

export interface RouteMatch<H> {
  /** 0 when `handler` is set, else 404 or 405. */
  status: number;
  handler: H | null;
  /** The methods the path allows ("GET, HEAD, POST"), for a 405's `Allow`. */
  allow: string;
}

/** The methods a route's table entry allows, HEAD included with GET. */
export function allowOf(methods: { [method: string]: unknown }): string {
  const names = Object.keys(methods);
  if (methods["GET"] && !methods["HEAD"]) names.push("HEAD");
  return names.join(", ");
}

export function matchRoute<H>(routes: Routes<H>, method: string, path: string): RouteMatch<H> {
  const methods = Object.prototype.hasOwnProperty.call(routes, path) ? routes[path] : null;
  if (!methods) return { status: 404, handler: null, allow: "" };
  const m = method === "HEAD" && !methods["HEAD"] ? "GET" : method;
  const h = Object.prototype.hasOwnProperty.call(methods, m) ? methods[m] : null;
  if (h) return { status: 0, handler: h, allow: "" };
  return { status: 405, handler: null, allow: allowOf(methods) };
}
