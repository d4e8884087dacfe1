/*
 * The one error type of deploy, provision and flash: a stable short code and a message written
 * for the person at the keyboard (what failed, and what to do about it).
 */
export type DeployErrorCode =
  | "EUSAGE" // bad or missing command-line option
  | "EUNKNOWNBOARD" // --board names no board config
  | "EBADBOARD" // the board config breaks the schema
  | "EBUILD" // the bundle does not build
  | "EGATE" // the bundle fails the Espruino gate
  | "E2BIG" // the bundle or the Storage files do not fit
  | "ENOPORT" // the serial port does not exist / cannot be opened
  | "ENOANSWER" // the device did not answer on its console or its service ports
  | "ELOCKED" // the console is locked and no (or a wrong) password was given
  | "EDEVICE" // the device answered with an error
  | "EVERIFY" // a file read back from Storage differs from what was sent
  | "ENOSECRET" // a secret is needed and there is no way to get it
  | "EWIFI" // Wi-Fi connection failed
  | "EWIFISTATE" // the deployed firmware reports a Wi-Fi state it cannot be in
  | "EMQTT" // the device did not start MQTT with the configuration provisioned, or the broker refused it
  | "ECHECK" // the harness check failed
  | "ECANCELED"
  | "ENOTOOL"; // an external tool (esptool) is missing

/**
 * The exit code every command of the project gives for an error (README, "Exit codes"): 2 for a
 * bad command line (a missing or wrong option, a board that does not exist), 1 for the rest.
 */
export function exitCodeFor(code: DeployErrorCode): 1 | 2 {
  return code === "EUSAGE" || code === "EUNKNOWNBOARD" ? 2 : 1;
}

export class DeployError extends Error {
  code: DeployErrorCode;
  constructor(code: DeployErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
