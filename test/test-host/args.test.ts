/* Argument parsing of `npm run harness`. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseArgs } from "../../test-host/args.ts";

test("parseArgs reads the command, target and options, with defaults", () => {
  const a = parseArgs(["load", "--target", "sim", "--seconds", "5", "--service=echo", "--json", "out.json"]);
  assert.equal(a.command, "load");
  assert.equal(a.target, "sim");
  assert.equal(a.seconds, 5);
  assert.equal(a.service, "echo");
  assert.equal(a.json, "out.json");
  assert.equal(a.board, "nodemcu");
  assert.equal(a.transport, "tcp");
  assert.equal(a.out, "artifacts/telemetry.csv", "collect writes into the folder git ignores, not the repository's root");
});

test("parseArgs takes the token from ESPFW_TOKEN unless --token is given", () => {
  assert.equal(parseArgs(["check", "--target", "sim"], { ESPFW_TOKEN: "abc" }).token, "abc");
  assert.equal(parseArgs(["check", "--target", "sim", "--token", "xyz"], { ESPFW_TOKEN: "abc" }).token, "xyz");
  assert.equal(parseArgs(["check", "--target", "sim"], {}).token, undefined);
});

test("parseArgs splits --only into prefixes", () => {
  assert.deepEqual(parseArgs(["check", "--target", "sim", "--only", "echo,line.greeting"]).only, ["echo", "line.greeting"]);
});

test("parseArgs rejects what it does not know with EUSAGE and says what was wrong", () => {
  const usage = (argv: string[], re: RegExp): void => {
    assert.throws(() => parseArgs(argv), (e: Error & { code?: string }) => e.code === "EUSAGE" && re.test(e.message));
  };
  usage([], /command is needed/);
  usage(["frob", "--target", "sim"], /unknown command "frob"/);
  usage(["check"], /--target is needed/);
  usage(["check", "--target"], /--target needs a value/);
  usage(["check", "--target", "sim", "--bogus"], /unknown option --bogus/);
  usage(["load", "--target", "sim", "--service", "smtp"], /--service wants one of/);
  usage(["load", "--target", "sim", "--seconds", "abc"], /--seconds wants a number/);
  usage(["collect", "--target", "sim", "--interval", "10"], /--interval wants a number 50\.\.60000/);
  usage(["collect", "--target", "sim", "--transport", "sctp"], /--transport wants tcp or udp/);
  usage(["check", "load", "--target", "sim"], /one command only/);
  usage(["fleet", "--target", "sim"], /fleet takes --mqtt <url>, not a target/);
});
