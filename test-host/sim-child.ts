/*
 * The simulator in its own process, for the harness's `sim` target: the device keeps its own
 * event loop, so the harness's work (64 KB comparisons, floods) cannot make its timers late,
 * and a crash of the device cannot take the harness down. Started by target.ts with one JSON
 * argument (startSimulator's options); prints `HARNESS-SIM {"ports":...,"controlPort":...}` once
 * up, the device's console on stderr, and stops the simulator on SIGTERM or when stdin closes.
 */
import { startSimulator } from "../simulator/index.ts";

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? "{}") as Record<string, unknown>;
  const handle = await startSimulator({
    ...opts,
    onConsole: (text: string) => {
      process.stderr.write(text);
    },
  });
  process.stdout.write(`HARNESS-SIM ${JSON.stringify({ ports: handle.ports, controlPort: handle.controlPort ?? null })}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    handle.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.resume();
}

main().catch((e: unknown) => {
  process.stderr.write(`simulator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
