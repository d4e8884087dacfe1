/*
 * Runs code with Espruino 2v29's String.indexOf in place of V8's (simulator/context.ts,
 * ESPRUINO_INDEXOF): a unit test of lib code shows there what the interpreter would do with a
 * search that trusts a match running past the end of the string.
 */
import { ESPRUINO_INDEXOF } from "../../simulator/context.ts";

const nativeIndexOf = String.prototype.indexOf;
const espruinoIndexOf = new Function("return (" + ESPRUINO_INDEXOF + ")")()(nativeIndexOf) as typeof nativeIndexOf;

/** `f()` with Espruino's String.indexOf. */
export function withEspruinoStrings<T>(f: () => T): T {
  String.prototype.indexOf = espruinoIndexOf;
  try {
    return f();
  } finally {
    String.prototype.indexOf = nativeIndexOf;
  }
}
