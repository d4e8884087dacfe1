/*
 * Test rig for deploy and provision: a simulator with an empty Storage on ephemeral ports (its
 * state in a temp folder, booting a no-op program), the sim bundle built into a temp folder (so
 * that tests never race the build writing dist/), and the tools run as child processes the way a
 * person runs them, with their output captured.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBoard } from "../../scripts/build.ts";
import { type SimulatorHandle, type SimulatorOptions, startSimulator } from "../../simulator/index.ts";

export interface Rig {
  sim: SimulatorHandle;
  dir: string;
  /** `tcp://127.0.0.1:<console port>` */
  consoleAddr: string;
  /** `http=N,echo=N,line=N` for deploy's --ports */
  portsArg: string;
  stop(): Promise<void>;
}

export async function startEmptySim(opts: Partial<SimulatorOptions> = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), "espfw-deploy-test-"));
  const noop = join(dir, "noop.js");
  writeFileSync(noop, "// no firmware yet: the console only\n");
  const sim = await startSimulator({ ports: "ephemeral", stateDir: join(dir, "state"), bundle: noop, defaultNetwork: null, ...opts });
  sim.evaluate('require("Storage").eraseAll()');
  return {
    sim,
    dir,
    consoleAddr: `tcp://127.0.0.1:${sim.ports.console}`,
    portsArg: `http=${sim.ports.http},echo=${sim.ports.echo},line=${sim.ports.line}`,
    async stop() {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let simBundle: Promise<string> | undefined;

/** dist/sim.js built once per test file into a temp folder. */
export function builtSimBundle(): Promise<string> {
  if (!simBundle) {
    const out = mkdtempSync(join(tmpdir(), "espfw-deploy-bundle-"));
    process.on("exit", () => rmSync(out, { recursive: true, force: true }));
    simBundle = buildBoard("sim", { outDir: out }).then((r) => {
      if (r.problems > 0) throw new Error(`the sim bundle fails the gate (${r.problems} problems)`);
      return r.file;
    });
  }
  return simBundle;
}

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs scripts/<tool>.ts with `args`, the environment given (merged over a clean one), and a timeout. */
export function runTool(tool: "deploy" | "provision" | "flash", args: string[], env: Record<string, string> = {}, timeoutMs = 90000): Promise<ToolRun> {
  return new Promise((resolve) => {
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("ESPFW_")) base[k] = v;
    const child = spawn(process.execPath, ["--import", "tsx", `scripts/${tool}.ts`, ...args], {
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
