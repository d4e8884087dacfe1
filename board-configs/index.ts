/*
 * Loads board configs from this folder by name and validates them against the schema.
 * Host-side only (it reads files); the firmware gets its config injected by the build.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BoardConfig, validateBoardConfig } from "./schema.ts";

export const BOARD_DIR = dirname(fileURLToPath(import.meta.url));

/** Names of every board that has a config here, sorted. */
export function knownBoards(): string[] {
  return readdirSync(BOARD_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

export class BoardConfigError extends Error {
  code: "EUNKNOWNBOARD" | "EBADBOARD";
  constructor(code: "EUNKNOWNBOARD" | "EBADBOARD", message: string) {
    super(message);
    this.code = code;
  }
}

/** Loads and validates one board config; throws BoardConfigError naming the known boards or the bad fields. */
export function loadBoard(name: string): BoardConfig {
  const known = knownBoards();
  if (known.indexOf(name) < 0) {
    throw new BoardConfigError("EUNKNOWNBOARD", `unknown board "${name}"; known boards: ${known.join(", ")}`);
  }
  const raw: unknown = JSON.parse(readFileSync(join(BOARD_DIR, `${name}.json`), "utf8"));
  const problems = validateBoardConfig(raw, name);
  if (problems.length > 0) {
    throw new BoardConfigError("EBADBOARD", `board "${name}" breaks the schema:\n  ${problems.join("\n  ")}`);
  }
  return raw as BoardConfig;
}
