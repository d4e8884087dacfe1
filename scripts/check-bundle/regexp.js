/*
 * Finds the RegExp features Espruino's matcher (src/jswrap_regexp.c) silently gets wrong, in one
 * pattern and its flags. Plain JavaScript so that both the Espruino gate (TypeScript, on the
 * bundle) and eslint.config.js (on the TypeScript source) use this one checker.
 *
 * Espruino matches `. [] [^] a-z ^ $ * + |` (top-level `|` only), groups `( )` (at most 9, never
 * quantified), escapes `\d\D\w\W\s\S\n\r\t\v\f\0\xHH` and escaped punctuation, flags g and i.
 * Everything else is reported with the rule id of scripts/check-bundle/rules.ts and the index in
 * the pattern where the construct starts. Limits: the pattern is read as a non-unicode (`u`-less)
 * JavaScript pattern; a pattern that is itself invalid JavaScript is not diagnosed here.
 */

/**
 * @typedef {{ rule: string, construct: string, index: number }} RegExpFinding
 */

/** The RegExp rules of the gate's table (scripts/check-bundle/rules.ts), also used by the lint. */
export const REGEXP_RULES = [
  { id: "regexp-flags", group: "regexp", what: "RegExp flags other than `g` and `i`", why: "Espruino knows only g and i; others are ignored", example: "var r = /a/m;" },
  { id: "regexp-optional", group: "regexp", what: "the `?` quantifier and lazy quantifiers `*?`, `+?`", why: "`?` is a literal question mark: the pattern silently fails to match", example: "var r = /colou?r/;" },
  { id: "regexp-braces", group: "regexp", what: "counted quantifiers `{n}`, `{n,}`, `{n,m}`", why: "`{` is a literal brace: the pattern silently fails to match", example: "var r = /a{2,3}/;" },
  { id: "regexp-special-group", group: "regexp", what: "`(?:`, lookahead `(?=`/`(?!`, lookbehind `(?<=`/`(?<!`, named groups `(?<n>`", why: "not supported: the pattern silently fails to match", example: "var r = /(?:ab)c/;" },
  { id: "regexp-backreference", group: "regexp", what: "backreferences `\\1`..`\\9`, `\\k<n>`", why: "not supported (`\\1` is read as the character code 1)", example: "var r = /(a)\\1/;" },
  { id: "regexp-word-boundary", group: "regexp", what: "`\\b` and `\\B`", why: "not a word boundary in Espruino", example: "var r = /\\bword/;" },
  { id: "regexp-quantified-group", group: "regexp", what: "a quantifier after a group `(ab)+`", why: "quantifiers apply only to single characters or classes: silently fails", example: "var r = /(ab)+/;" },
  { id: "regexp-group-alternation", group: "regexp", what: "`|` inside a group `(a|b)`", why: "alternation works only at the top level: silently fails", example: "var r = /x(a|b)/;" },
  { id: "regexp-too-many-groups", group: "regexp", what: "more than 9 capturing groups", why: "Espruino keeps at most 9 groups", example: "var r = /(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)/;" },
  { id: "regexp-escape", group: "regexp", what: "escapes Espruino reads as a plain letter: `\\u`, `\\c`, `\\p`, `\\P`, `\\k`", why: "only `\\d\\D\\w\\W\\s\\S\\n\\r\\t\\v\\f\\0\\xHH` and escaped punctuation are understood", example: "var r = /\\u0041/;" },
  { id: "regexp-slash-in-class", group: "regexp", what: "an unescaped `/` inside a class of a regex literal `/[a/]/`", why: "Espruino's lexer ends a regex literal at the first unescaped `/`, class or not: the rest is a syntax error when the function first runs (write `\\/`)", example: "var r = /[a/]/;" },
  { id: "regexp-class", group: "regexp", what: "`.` inside a class `[.]`, or `-` just before `]`", why: "Espruino's class matcher treats `.` as any character, and `-]` as an unfinished range (an error)", example: "var r = /[.,]/;" },
];

const QUANT_BRACES = /^\{\d+(,\d*)?\}/;

/**
 * @param {string} pattern the source between the slashes (or the string given to `new RegExp`)
 * @param {string} flags
 * @param {boolean} [literal] the pattern is a regex literal's (its lexing matters; a string given to `RegExp` is not lexed as one)
 * @returns {RegExpFinding[]}
 */
export function checkRegExp(pattern, flags, literal = false) {
  /** @type {RegExpFinding[]} */
  const out = [];
  const bad = flags.replace(/[gi]/g, "");
  if (bad.length > 0) out.push({ rule: "regexp-flags", construct: `flag${bad.length > 1 ? "s" : ""} ${bad}`, index: -1 });

  /** @type {{ start: number, reportedBar: boolean }[]} */
  const groups = [];
  let capturing = 0;
  let reportedTooMany = false;
  let i = 0;
  const n = pattern.length;

  /** Reports a quantifier following an atom that ended just before `i`; `group` tells what the atom was. */
  function quantifier(group) {
    const c = pattern[i];
    let len = 0;
    let what = "";
    if (c === "*" || c === "+") {
      len = 1;
      what = c;
    } else if (c === "?") {
      len = 1;
      what = "?";
    } else if (c === "{") {
      const m = QUANT_BRACES.exec(pattern.slice(i));
      if (m) {
        len = m[0].length;
        what = m[0];
      }
    }
    if (len === 0) return;
    const at = i;
    i += len;
    const lazy = pattern[i] === "?";
    if (lazy) i++;
    if (group) out.push({ rule: "regexp-quantified-group", construct: `quantified group (...)${what}${lazy ? "?" : ""}`, index: at });
    else if (what === "?") out.push({ rule: "regexp-optional", construct: "`?` quantifier", index: at });
    else if (what[0] === "{") out.push({ rule: "regexp-braces", construct: `counted quantifier ${what}`, index: at });
    else if (lazy) out.push({ rule: "regexp-optional", construct: `lazy quantifier ${what}?`, index: at });
  }

  /** Reads an escape at `i` (pattern[i] is the backslash); returns true when it forms an atom. */
  function escape(inClass) {
    const at = i;
    const c = pattern[i + 1];
    if (c === undefined) {
      i++;
      return false;
    }
    if (c >= "1" && c <= "9" && !inClass) {
      out.push({ rule: "regexp-backreference", construct: `backreference \\${c}`, index: at });
    } else if (c === "k" && !inClass) {
      out.push({ rule: "regexp-backreference", construct: "named backreference \\k", index: at });
    } else if ((c === "b" || c === "B") && !inClass) {
      out.push({ rule: "regexp-word-boundary", construct: `\\${c}`, index: at });
    } else if (c === "u" && pattern[i + 2] === "{") {
      out.push({ rule: "unicode-code-point-escape", construct: "\\u{...} escape", index: at });
      const close = pattern.indexOf("}", i);
      if (close > 0) {
        i = close + 1;
        return true;
      }
    } else if (c === "u" || c === "c" || c === "p" || c === "P" || (c === "k" && inClass)) {
      out.push({ rule: "regexp-escape", construct: `escape \\${c}`, index: at });
    }
    i += c === "x" ? 4 : 2;
    return true;
  }

  while (i < n) {
    const c = pattern[i];
    if (c === "\\") {
      escape(false);
      quantifier(false);
    } else if (c === "[") {
      i++;
      if (pattern[i] === "^") i++;
      const first = i;
      while (i < n && pattern[i] !== "]") {
        if (pattern[i] === "\\") {
          escape(true);
          continue;
        }
        if (pattern[i] === ".") out.push({ rule: "regexp-class", construct: "`.` inside a class", index: i });
        if (pattern[i] === "/" && literal) out.push({ rule: "regexp-slash-in-class", construct: "unescaped `/` inside a class", index: i });
        if (pattern[i] === "-" && pattern[i + 1] === "]" && i > first) {
          out.push({ rule: "regexp-class", construct: "`-` just before `]`", index: i });
        }
        i++;
      }
      i++;
      quantifier(false);
    } else if (c === "(") {
      const at = i;
      if (pattern[i + 1] === "?") {
        const rest = pattern.slice(i, i + 4);
        const kind = rest.startsWith("(?:")
          ? "non-capturing group (?:"
          : rest.startsWith("(?=") || rest.startsWith("(?!")
            ? `lookahead ${rest.slice(0, 3)}`
            : rest.startsWith("(?<=") || rest.startsWith("(?<!")
              ? `lookbehind ${rest}`
              : "named group (?<name>";
        out.push({ rule: "regexp-special-group", construct: kind, index: at });
        if (kind.startsWith("named")) capturing++;
        i += 2;
      } else {
        capturing++;
        i++;
      }
      if (capturing > 9 && !reportedTooMany) {
        reportedTooMany = true;
        out.push({ rule: "regexp-too-many-groups", construct: "a 10th capturing group", index: at });
      }
      groups.push({ start: at, reportedBar: false });
    } else if (c === ")") {
      groups.pop();
      i++;
      quantifier(true);
    } else if (c === "|") {
      const g = groups[groups.length - 1];
      if (g && !g.reportedBar) {
        g.reportedBar = true;
        out.push({ rule: "regexp-group-alternation", construct: "`|` inside a group", index: i });
      }
      i++;
    } else if (c === "?" || c === "*" || c === "+" || (c === "{" && QUANT_BRACES.test(pattern.slice(i)))) {
      // A quantifier with no atom before it (after `(`, `|` or `^`): report it as such.
      quantifier(false);
    } else {
      i++;
      quantifier(false);
    }
  }
  return out;
}
