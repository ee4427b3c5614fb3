// Bit counting on non-negative safe integers. JavaScript's bitwise operators cut numbers to 32 bits,
// and tree sizes go past 2^32, so these work with division by two, which is exact for integers.
// Internal to the package.

/** Number of 1 bits in a non-negative safe integer. */
export function onesCount(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}

/** Number of trailing 1 bits in a non-negative safe integer (the subtrees a new leaf completes). */
export function trailingOnes(n: number): number {
  let count = 0;
  for (let rest = n; rest % 2 === 1; rest = Math.floor(rest / 2)) count++;
  return count;
}

/** Levels of the 1 bits of a non-negative safe integer, highest first (the perfect subtrees of a tree). */
export function setBitLevels(n: number): number[] {
  const levels: number[] = [];
  for (let level = 0, rest = n; rest > 0; level++, rest = Math.floor(rest / 2)) {
    if (rest % 2 === 1) levels.unshift(level);
  }
  return levels;
}
