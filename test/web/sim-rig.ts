/*
 * Starts the simulator for the web tests: a fresh state folder whose Storage already holds the
 * web assets of a fresh web build (what deploy writes), free host ports, the sim bundle built
 * if stale. stop() ends the simulator and removes the folder.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBundle, startSimulator, type SimulatorHandle, type SimulatorOptions } from "../../simulator/index.ts";
import { FlashStore } from "../../simulator/storage.ts";
import { loadBoard } from "../../board-configs/index.ts";
import { buildWeb, type WebManifest } from "../../scripts/build-web.ts";

export interface WebSim {
  sim: SimulatorHandle;
  manifest: WebManifest;
  base: string;
  stop(): Promise<void>;
}

export async function startWebSim(opts: SimulatorOptions = {}, extraFiles: Record<string, string> = {}): Promise<WebSim> {
  const dir = mkdtempSync(join(tmpdir(), "web-sim-"));
  const manifest = buildWeb({ out: join(dir, "web") });
  const stateDir = join(dir, "state");
  const store = new FlashStore(stateDir, loadBoard("sim").storageBytes);
  for (const f of manifest.files) store.write(f.name, readFileSync(join(dir, "web", f.file)).toString("latin1"), undefined, undefined);
  for (const [name, data] of Object.entries(extraFiles)) store.write(name, data, undefined, undefined);
  const bundle = ensureBundle("sim").file;
  const sim = await startSimulator({ bundle, stateDir, ports: "ephemeral", ...opts });
  return {
    sim,
    manifest,
    base: `http://127.0.0.1:${sim.ports.http}`,
    stop: async () => {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
