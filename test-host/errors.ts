/*
 * The harness's own errors: a stable short code and a message meant for the person running it.
 * EUSAGE (bad arguments), ETARGET (a target that cannot be started or resolved), ECONNECT (a
 * service that cannot be reached), ETIMEOUT (an answer that did not come in time), EPROTO (an
 * answer that breaks the device contract, docs/PROTOCOL.md or docs/WEB.md).
 */
export type HarnessErrorCode = "EUSAGE" | "ETARGET" | "ECONNECT" | "ETIMEOUT" | "EPROTO" | "ECLOSED";

export class HarnessError extends Error {
  code: HarnessErrorCode;
  constructor(code: HarnessErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The message of anything thrown, for tables and logs. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
