/*
 * Secrets for deploy and provision: where they come from (the environment or a hidden prompt,
 * never a file in the repo or a command-line argument), and a redactor that every line the tools
 * print or log goes through.
 *
 * Variables (listed, without values, in .env.example):
 *   ESPFW_TOKEN              the control token written to the device's Storage (optional)
 *   ESPFW_CONSOLE_PASSWORD   the console password for boards whose console policy is "lock"
 *   ESPFW_WIFI_PASSWORD      the Wi-Fi password for `provision`
 *
 * Limits: the redactor hides each secret as typed, JSON-escaped and base64-encoded (the forms the
 * tools put on the wire); a secret shorter than 4 characters is still hidden but the tools warn
 * that it is weak.
 */
import { DeployError } from "./errors.ts";

export const ENV_TOKEN = "ESPFW_TOKEN";
export const ENV_CONSOLE_PASSWORD = "ESPFW_CONSOLE_PASSWORD";
export const ENV_WIFI_PASSWORD = "ESPFW_WIFI_PASSWORD";

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
