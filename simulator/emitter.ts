/*
 * Espruino's EventEmitter, as every Espruino object has it: on/addListener/prependListener/emit/
 * removeListener/removeAllListeners. There is no `once` and no `off`
 * (docs/ESPRUINO-GATE.md, "missing-method"). Listeners run through a `Dispatch`, which reports what
 * they throw as Espruino does ("Uncaught").
 */

export type Listener = (...args: unknown[]) => void;

/** Runs a firmware callback; reports an exception on the device's console instead of throwing. */
export type Dispatch = (fn: Listener, self: unknown, args: unknown[]) => void;

export class Emitter {
  /** Listeners by event name; a private field name so that firmware `for...in` does not see it. */
  #listeners: Map<string, Listener[]> = new Map();
  #dispatch: Dispatch;

  constructor(dispatch: Dispatch) {
    this.#dispatch = dispatch;
  }

  on(event: string, fn: Listener): this {
    const list = this.#listeners.get(event) ?? [];
    list.push(fn);
    this.#listeners.set(event, list);
    this.listenerAdded(event);
    return this;
  }

  addListener(event: string, fn: Listener): this {
    return this.on(event, fn);
  }

  prependListener(event: string, fn: Listener): this {
    const list = this.#listeners.get(event) ?? [];
    list.unshift(fn);
    this.#listeners.set(event, list);
    this.listenerAdded(event);
    return this;
  }

  emit(event: string, ...args: unknown[]): boolean {
    const list = this.#listeners.get(event);
    if (!list || list.length === 0) return false;
    for (const fn of list.slice()) this.#dispatch(fn, this, args);
    return true;
  }

  removeListener(event: string, fn: Listener): this {
    const list = this.#listeners.get(event);
    if (list) {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    }
    return this;
  }

  removeAllListeners(event?: string): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
    return this;
  }

  /** Host side: whether anything listens for `event`. */
  hasListeners(event: string): boolean {
    const list = this.#listeners.get(event);
    return list !== undefined && list.length > 0;
  }

  /** Host side hook: a listener was just added for `event`. */
  protected listenerAdded(_event: string): void {}
}

/** Hides host-only members from firmware `for...in` and `Object.keys`. */
export function hide(obj: object, ...names: string[]): void {
  for (const n of names) {
    const d = Object.getOwnPropertyDescriptor(obj, n);
    if (d) Object.defineProperty(obj, n, { ...d, enumerable: false });
  }
}
