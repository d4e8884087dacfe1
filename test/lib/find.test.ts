import { test } from "node:test";
import assert from "node:assert/strict";
import { find } from "../../lib/find.ts";

const nativeIndexOf = String.prototype.indexOf;

/** Espruino 2v29's indexOf, as the simulator has it: a match may run past the string's end. */
function espIndexOf(s: string, sub: string, from = 0): number {
  if (sub.length > s.length) return -1;
  const real = nativeIndexOf.call(s, sub, from);
  if (real >= 0) return real;
  for (let k = Math.max(from, s.length - sub.length + 1); k < s.length; k++) if (sub.startsWith(s.substring(k))) return k;
  return -1;
}

test("find gives JavaScript's indexOf over Espruino's quirk: no match that runs past the end", () => {
  const cases: Array<[string, string, number?]> = [["abc ", " zz"], ['"x"', '"abc"'], ["abc", "bc"], ["abcabc", "ca"], ["abc", "cd", 1], [" HELP AUTH ", " FROB "], ["a..b", ".."], ["a.", ".."]];
  for (const [s, sub, from] of cases) {
    const orig = String.prototype.indexOf;
    String.prototype.indexOf = function (this: string, x: string, f?: number) {
      return espIndexOf(String(this), x, f);
    } as typeof String.prototype.indexOf;
    let got: number;
    try {
      got = find(s, sub, from);
    } finally {
      String.prototype.indexOf = orig;
    }
    assert.equal(got, nativeIndexOf.call(s, sub, from), JSON.stringify([s, sub, from]));
    if (sub === " zz") assert.equal(espIndexOf(s, sub, from), 3, "the quirk is modelled");
  }
});
