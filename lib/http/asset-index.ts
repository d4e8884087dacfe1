/*
 * The web asset index: the text file (Storage `w.idx`) that scripts/build-web.ts writes and the
 * server reads in place (Storage gives it memory-mapped, so a lookup holds one line in RAM).
 * One line per route, fields separated by single spaces, every line after the first preceded by
 * "\n" (the first line is a comment):
 *
 *   <route> <kind> <content-type> <file> <bytes> <etag> [<gzip-file> <gzip-bytes> <gzip-etag>]
 *
 * kind is `s` (a static file) or `t` (a template rendered on the device, never gzip'd); the
 * content type has no spaces (`text/html;charset=utf-8`); ETags are quoted.
 */
import { find } from "../find.ts";

export interface Asset {
  kind: string;
  type: string;
  file: string;
  bytes: number;
  etag: string;
  /** "" when there is no gzip variant. */
  gzFile: string;
  gzBytes: number;
  gzEtag: string;
}

/** The index line of one asset, as build-web.ts writes it. */
export function assetLine(route: string, a: Asset): string {
  return [route, a.kind, a.type, a.file, a.bytes, a.etag].join(" ") + (a.gzFile ? " " + [a.gzFile, a.gzBytes, a.gzEtag].join(" ") : "");
}

/** The asset of `route` in the index text (undefined: no index), or null. */
export function findAsset(index: string | undefined, route: string): Asset | null {
  if (index === undefined) return null;
  const at = find(index, "\n" + route + " ");
  if (at < 0) return null;
  const end = index.indexOf("\n", at + 1);
  const f = index.substring(at + 1, end < 0 ? index.length : end).split(" ");
  if (f.length < 6) return null;
  return {
    kind: f[1],
    type: f[2],
    file: f[3],
    bytes: parseInt(f[4], 10),
    etag: f[5],
    gzFile: f.length >= 9 ? f[6] : "",
    gzBytes: f.length >= 9 ? parseInt(f[7], 10) : 0,
    gzEtag: f.length >= 9 ? f[8] : "",
  };
}
