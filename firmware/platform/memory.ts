/*
 * Interpreter memory, in variables (12-byte blocks on the ESP8266). process.memory(false) reads
 * the counts without forcing a garbage collection, which is what a once-a-second sampler wants.
 */

export function freeVars(): number {
  return process.memory(false).free;
}
