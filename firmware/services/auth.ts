/*
 * The optional control token (SPEC.md, "Security"). The token is handed in at boot from Storage
 * and kept only here; check() compares every byte whatever the first mismatch, and nothing
 * here ever logs or returns it.
 */
import type { Auth } from "./contracts.ts";

export class TokenAuth implements Auth {
  private t_: string | null;

  constructor(token: string | null) {
    this.t_ = token !== null && token.length > 0 ? token : null;
  }

  required(): boolean {
    return this.t_ !== null;
  }

  check(token: string): boolean {
    const t = this.t_;
    if (t === null) return true;
    let diff = t.length ^ token.length;
    for (let i = 0; i < t.length; i++) diff |= t.charCodeAt(i) ^ token.charCodeAt(i % (token.length || 1));
    return diff === 0;
  }
}
