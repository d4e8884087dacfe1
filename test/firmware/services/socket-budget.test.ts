import { test } from "node:test";
import assert from "node:assert/strict";
import { Budget } from "../../../firmware/services/socket-budget.ts";

test("with 10 sockets and 5 fixed, 4 can be acquired and one stays in reserve", () => {
  const b = new Budget(10, 5);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => b.acquire()), [true, true, true, true, false]);
  assert.equal(b.inUse(), 4);
});

test("release gives a socket back and never goes below zero", () => {
  const b = new Budget(10, 5);
  b.acquire();
  b.release();
  b.release();
  assert.equal(b.inUse(), 0);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => b.acquire()), [true, true, true, true, false]);
});
