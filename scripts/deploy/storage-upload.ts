/*
 * Writes files into the device's Storage through a Runner, chunk by chunk, each chunk's answer
 * checked, and each file read back (length and Adler-32 computed on the device) before it counts
 * as written. The boot code goes under a temporary name first and is copied over .bootcde only
 * once it is complete, so an interrupted deploy leaves the old firmware bootable.
 */
import { DeployError } from "./errors.ts";
import {
  adler32,
  BOOT_FILE,
  BOOT_TEMP_FILE,
  checksumExpr,
  copyExpr,
  eraseExpr,
  MAX_NAME,
  writeChunkExprs,
} from "./device-commands.ts";
import type { Runner } from "./runner.ts";

export interface StorageFile {
  /** Storage name (at most 28 characters). */
  name: string;
  data: Buffer;
  /** What it is, for progress lines ("web asset", "control token", ...). */
  label: string;
  /** Secrets are never written to a dry-run folder or printed. */
  secret?: boolean;
}

export function checkNames(files: StorageFile[]): void {
  for (const f of files) {
    if (f.name.length === 0 || f.name.length > MAX_NAME) {
      throw new DeployError("EUSAGE", `Storage name "${f.name}" (${f.label}) must be 1..${MAX_NAME} characters`);
    }
  }
}

/** Bytes a set of files takes in Storage (each file has a 32-byte header; data is padded to 4). */
export function storageFootprint(files: StorageFile[]): number {
  let n = 0;
  for (const f of files) n += 32 + ((f.data.length + 3) & ~3);
  return n;
}

async function verify(runner: Runner, name: string, data: Buffer, label: string): Promise<void> {
  // The checksum loop runs in the interpreter: about 20 KB/s on an ESP8266.
  const timeoutMs = 5000 + Math.ceil(data.length / 10);
  const got = (await runner.evaluate(checksumExpr(name), `reading back ${label}`, timeoutMs)) as [number, number] | null;
  const want: [number, number] = [data.length, adler32(data)];
  if (!Array.isArray(got) || got[0] !== want[0] || got[1] !== want[1]) {
    throw new DeployError(
      "EVERIFY",
      `${label} read back from Storage "${name}" differs from what was sent (device: ${JSON.stringify(got)}, expected ${JSON.stringify(want)})`,
    );
  }
}

/** Writes one file under its own name and verifies it. `progress` gets bytes done after each chunk. */
export async function uploadFile(runner: Runner, file: StorageFile, progress?: (done: number) => void): Promise<void> {
  await writeAs(runner, file.name, file, progress);
}

async function writeAs(runner: Runner, name: string, file: StorageFile, progress?: (done: number) => void): Promise<void> {
  const lines = writeChunkExprs(name, file.data);
  for (let i = 0; i < lines.length; i++) {
    const ok = await runner.evaluate(lines[i], `writing ${file.label} (chunk ${i + 1} of ${lines.length})`, 8000);
    if (ok !== true) {
      throw new DeployError("EDEVICE", `Storage refused chunk ${i + 1} of ${lines.length} of ${file.label} ("${name}"): is Storage full?`);
    }
    if (progress) progress(Math.min(file.data.length, (i + 1) * Math.ceil(file.data.length / lines.length)));
  }
  await verify(runner, name, file.data, file.label);
}

export type BootStage = "temp" | "commit" | "done";

/**
 * Uploads the boot code to .bootnew, verifies it, copies it over .bootcde, verifies that, and
 * erases .bootnew. `stage` tells a caller how far it got when an error is thrown.
 */
export async function uploadBootCode(
  runner: Runner,
  file: StorageFile,
  progress: (done: number) => void,
  stage: { at: BootStage },
): Promise<void> {
  stage.at = "temp";
  await writeAs(runner, BOOT_TEMP_FILE, file, progress);
  stage.at = "commit";
  const ok = await runner.evaluate(copyExpr(BOOT_TEMP_FILE, BOOT_FILE), "copying the new boot code over .bootcde", 15000);
  if (ok !== true) throw new DeployError("EDEVICE", "Storage refused to write .bootcde (is Storage full?)");
  await verify(runner, BOOT_FILE, file.data, "the boot code (.bootcde)");
  stage.at = "done";
  await runner.evaluate(eraseExpr(BOOT_TEMP_FILE), "erasing .bootnew");
}
