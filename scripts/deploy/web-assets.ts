/*
 * The web assets deploy writes into Storage beside the bundle: the files listed in the manifest
 * that the web build leaves in dist/web/ (docs/WEB.md). No manifest means no web assets (the
 * firmware then serves what it has built in); a manifest naming a missing file is an error.
 *
 * Accepted manifest shapes (the web build owns the format; these are read defensively):
 *   { "files": [ { "name": "<storage name>", "file": "<path relative to the manifest>" }, ... ] }
 *   with "storage"/"path"/"source" accepted as synonyms, or the bare array.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DeployError } from "./errors.ts";
import type { StorageFile } from "./storage-upload.ts";

export const DEFAULT_MANIFEST = "dist/web/manifest.json";

interface Entry {
  name?: unknown;
  storage?: unknown;
  file?: unknown;
  path?: unknown;
  source?: unknown;
}

export function loadWebAssets(manifestPath: string = DEFAULT_MANIFEST): StorageFile[] | null {
  if (!existsSync(manifestPath)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch (e) {
    throw new DeployError("EUSAGE", `${manifestPath} is not valid JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(raw) ? raw : (raw as { files?: unknown }).files;
  if (!Array.isArray(list)) throw new DeployError("EUSAGE", `${manifestPath} has no "files" list`);
  const base = dirname(manifestPath);
  const out: StorageFile[] = [];
  for (const e of list as Entry[]) {
    const name = e.name ?? e.storage;
    const file = e.file ?? e.path ?? e.source;
    if (typeof name !== "string" || typeof file !== "string") {
      throw new DeployError("EUSAGE", `${manifestPath}: each entry needs a Storage name and a file, got ${JSON.stringify(e)}`);
    }
    const p = join(base, file);
    if (!existsSync(p)) throw new DeployError("EUSAGE", `${manifestPath} lists ${file}, which is missing: run the web build again`);
    out.push({ name, data: readFileSync(p), label: `web asset ${name}` });
  }
  return out;
}
