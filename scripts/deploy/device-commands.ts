/*
 * The JavaScript that deploy and provision send to the device's console, as pure functions of
 * their inputs, so that a dry run can log exactly what a real run sends and tests can read it.
 * Everything here must run on Espruino (ES5-ish expressions, no arrow functions needed, no `?.`).
 *
 * Storage layout written by deploy (see docs/DEPLOY.md):
 *   .bootcde   the console-policy prelude and the firmware bundle, run at every boot
 *   .bootnew   the same while it is being uploaded; copied to .bootcde once verified, then erased
 *   token      the control token (only when one is given; the firmware reads it)
 *   .conpw     the console password (only for boards whose console policy is "lock")
 *   <web>      the web assets listed in dist/web/manifest.json
 */

/** Storage file the firmware reads the control token from. */
export const TOKEN_FILE = "token";
/** Storage file the boot prelude reads the console password from ("lock" policy). */
export const CONSOLE_PASSWORD_FILE = ".conpw";
export const BOOT_FILE = ".bootcde";
export const BOOT_TEMP_FILE = ".bootnew";
/** Bytes of file data per console line (base64 makes it 4/3 as long on the wire). */
export const CHUNK_BYTES = 768;
/** Espruino's limit on Storage file names. */
export const MAX_NAME = 28;

export type ConsolePolicy = "open" | "lock" | "off";

/**
 * Code put in front of the bundle in .bootcde so that the console policy holds on every boot:
 * Espruino turns its telnet console back on at each boot, reset() and load(), and forgets the
 * console password on reset().
 */
export function consolePrelude(policy: ConsolePolicy): string {
  if (policy === "off") return 'require("TelnetServer").setOptions({mode:"off"});\n';
  if (policy === "lock") {
    return `(function(){var p=require("Storage").read(${JSON.stringify(CONSOLE_PASSWORD_FILE)});if(p){E.setPassword(p);E.lockConsole();}})();\n`;
  }
  return "";
}

/** `process.env` fields deploy checks. */
export const ENV_EXPR = "{BOARD:process.env.BOARD,VERSION:process.env.VERSION}";

/** Free Storage bytes (and trash that compact() would reclaim). */
export const STORAGE_STATS_EXPR =
  '(function(s){var t=s.getStats?s.getStats():null;return t?{free:t.freeBytes,trash:t.trashBytes}:{free:s.getFree(),trash:0};})(require("Storage"))';

export const COMPACT_EXPR = 'require("Storage").compact()';

/** The device's station IP, or null when it has none (or no Wi-Fi module). */
export const IP_EXPR =
  '(function(){try{var i=require("Wifi").getIP();return i&&i.ip&&i.ip!=="0.0.0.0"?i.ip:null;}catch(x){return null;}})()';

export function eraseExpr(name: string): string {
  return `require("Storage").erase(${JSON.stringify(name)})`;
}

/** The console lines that write `data` (bytes) to Storage file `name`, each answering true. */
export function writeChunkExprs(name: string, data: Buffer): string[] {
  const out: string[] = [];
  const n = JSON.stringify(name);
  if (data.length === 0) return [`require("Storage").write(${n},"")`];
  for (let off = 0; off < data.length; off += CHUNK_BYTES) {
    const b64 = data.subarray(off, off + CHUNK_BYTES).toString("base64");
    out.push(`require("Storage").write(${n},atob(${JSON.stringify(b64)}),${off}${off === 0 ? "," + data.length : ""})`);
  }
  return out;
}

/** Copies one Storage file to another (flash to flash, no RAM copy of the data on Espruino). */
export function copyExpr(from: string, to: string): string {
  return `require("Storage").write(${JSON.stringify(to)},require("Storage").read(${JSON.stringify(from)}))`;
}

/** Answers [length, adler32] of a Storage file, or null when it does not exist. */
export function checksumExpr(name: string): string {
  return (
    `(function(s){if(s===undefined)return null;var a=1,b=0;for(var i=0;i<s.length;i++){a=(a+s.charCodeAt(i))%65521;b=(b+a)%65521;}` +
    `return [s.length,b*65536+a];})(require("Storage").read(${JSON.stringify(name)}))`
  );
}

/** The same checksum on the host. */
export function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]) % 65521;
    b = (b + a) % 65521;
  }
  return b * 65536 + a;
}

/** Wi-Fi: starts a connection; the answer comes later through WIFI_RESULT_EXPR. */
export function wifiConnectExpr(ssid: string, password: string): string {
  return (
    `(function(){global.__espfwWifi=undefined;require("Wifi").connect(${JSON.stringify(ssid)},{password:${JSON.stringify(password)}},` +
    `function(e){global.__espfwWifi=e?String(e):"ok";});return true;})()`
  );
}

/** Wi-Fi: the connect callback's result ("ok", an error string, or null while pending), the station state and IP. */
export const WIFI_RESULT_EXPR =
  '(function(){var w=require("Wifi"),s=w.getStatus(),i=w.getIP();' +
  'return {r:global.__espfwWifi===undefined?null:global.__espfwWifi,station:s.station,ip:i&&i.ip};})()';

/** Wi-Fi: the host name the device has (the firmware sets its device name at boot, and mDNS announces it as <name>.local). */
export const HOSTNAME_EXPR = '(function(){try{return require("Wifi").getHostname()||"";}catch(e){return "";}})()';

export const WIFI_SAVE_EXPR = '(function(){require("Wifi").save();delete global.__espfwWifi;return require("Storage").list().indexOf(".wificfg")>=0;})()';

/**
 * MQTT (provision --mqtt): writes Storage file `name` (the whole configuration, JSON) in one
 * console line, answering true. Base64, so that no quoting on the way can change a byte; the
 * line carries the password, so it is sent with echo off (evaluate's DLE) and the redactor is
 * given the file's text, which covers this form of it.
 */
export function mqttWriteExpr(name: string, data: Buffer): string {
  return `require("Storage").write(${JSON.stringify(name)},atob(${JSON.stringify(data.toString("base64"))}))`;
}

/** True when Storage file `name` exists. */
export function fileExistsExpr(name: string): string {
  return `require("Storage").read(${JSON.stringify(name)})!==undefined`;
}
