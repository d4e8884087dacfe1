/*
 * `npm run deploy -- --board <name> --port </dev/ttyUSB0 | tcp://<ip>>`: puts the firmware on a
 * device running Espruino. The steps and their guarantees are in scripts/deploy/run-deploy.ts and
 * docs/DEPLOY.md. Exit codes: 0 deployed (and checked), 1 failed, 2 bad usage.
 */
import { DEPLOY_USAGE, parseDeployArgs } from "./deploy/args.ts";
import { DeployError, exitCodeFor } from "./deploy/errors.ts";
import { runDeploy } from "./deploy/run-deploy.ts";
import { loadDotEnv } from "./deploy/secrets.ts";

async function main(): Promise<number> {
  const out = (line: string) => process.stdout.write(line + "\n");
  try {
    loadDotEnv();
    const args = parseDeployArgs(process.argv.slice(2));
    if (args.help) {
      out(DEPLOY_USAGE);
      return 0;
    }
    await runDeploy(args, { out, env: process.env });
    out("deploy: done");
    return 0;
  } catch (e) {
    if (e instanceof DeployError) {
      process.stderr.write(`deploy: error ${e.code}: ${e.message}\n`);
      if (exitCodeFor(e.code) === 2) process.stderr.write("\n" + DEPLOY_USAGE);
      return exitCodeFor(e.code);
    }
    process.stderr.write(`deploy: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

main().then((code) => process.exit(code));
