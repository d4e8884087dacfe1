/*
 * Secrets for deploy and provision: where they come from (the environment or a hidden prompt,
 * never a file in the repo or a command-line argument), and a redactor that every line the tools
 * print or log goes through.
 *
 * Variables (listed, without values, in .env.example):
 *   ESPFW_TOKEN              the control token written to the device's Storage (optional)
 *   ESPFW_CONSOLE_PASSWORD   the console password for boards whose console policy is "lock"
 *   ESPFW_WIFI_PASSWORD      the Wi-Fi password for `provision`
 *   ESPFW_MQTT_PASSWORD      the MQTT broker's password for `provision --mqtt mqtt://user@host`
 *
 * Limits: the redactor hides each secret as typed, JSON-escaped and base64-encoded (the forms the
 * tools put on the wire); a secret shorter than 4 characters is still hidden but the tools warn
 * that it is weak.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DeployError } from "./errors.ts";

/** The `.env` file at the repository's root, which .env.example says to fill (git ignores it). */
export const DOT_ENV = fileURLToPath(new URL("../../.env", import.meta.url));

/**
 * Reads `file` (KEY=value lines; `#` comments, blank lines and `export ` allowed; a value may be
 * quoted) into `env`, where a variable already set keeps its value. Gives the names it set.
 */
export function loadDotEnv(file: string = DOT_ENV, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!existsSync(file)) return [];
  const set: string[] = [];
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, "");
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (m === null || line.startsWith("#")) continue;
    let v = m[2];
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) v = v.slice(1, -1);
    if (env[m[1]] === undefined || env[m[1]] === "") {
      env[m[1]] = v;
      set.push(m[1]);
    }
  }
  return set;
}

export const ENV_TOKEN = "ESPFW_TOKEN";
export const ENV_CONSOLE_PASSWORD = "ESPFW_CONSOLE_PASSWORD";
export const ENV_WIFI_PASSWORD = "ESPFW_WIFI_PASSWORD";
export const ENV_MQTT_PASSWORD = "ESPFW_MQTT_PASSWORD";

/** Reads a secret from the environment; an empty value counts as unset. */
export function secretFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[name];
  return v === undefined || v === "" ? undefined : v;
}

/** The forms in which a secret can appear in what the tools send or print. */
function secretForms(secret: string): string[] {
  const forms = [secret, JSON.stringify(secret).slice(1, -1), Buffer.from(secret, "latin1").toString("base64")];
  const utf8 = Buffer.from(secret, "utf8").toString("base64");
  if (forms.indexOf(utf8) < 0) forms.push(utf8);
  return forms.filter((f) => f.length > 0);
}

export type Redactor = (text: string) => string;

/** A function that replaces every known form of every secret in a text with `***`. */
export function createRedactor(secrets: Array<string | undefined>): Redactor {
  const forms: string[] = [];
  for (const s of secrets) if (s) forms.push(...secretForms(s));
  // Longest first, so that a secret containing another is hidden whole.
  forms.sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const f of forms) out = out.split(f).join("***");
    return out;
  };
}

/**
 * Asks for a secret on the terminal without echoing it. Throws ENOSECRET when there is no
 * terminal to ask on (say, in CI), naming the variable to set instead.
 */
export function promptHidden(question: string, envName: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY || typeof stdin.setRawMode !== "function") {
    return Promise.reject(
      new DeployError("ENOSECRET", `no terminal to ask on: set ${envName} in the environment instead`),
    );
  }
  return new Promise((resolve, reject) => {
    process.stderr.write(question);
    let value = "";
    stdin.setRawMode(true);
    stdin.resume();
    const finish = (err: Error | null) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (buf: Buffer) => {
      const s = buf.toString("utf8");
      for (const ch of s) {
        if (ch === "\r" || ch === "\n") return finish(null);
        if (ch === "\u0003") return finish(new DeployError("ECANCELED", "cancelled"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
