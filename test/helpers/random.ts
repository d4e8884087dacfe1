/* A small seeded PRNG and a random splitter for split-invariance tests (deterministic per seed). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Cuts `s` into random pieces of 1..maxPiece characters. */
export function randomSplit(s: string, rand: () => number, maxPiece: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const n = 1 + Math.floor(rand() * maxPiece);
    out.push(s.substring(i, i + n));
    i += n;
  }
  return out;
}
