/**
 * "Did you mean ...?" suggestions for misspelt names (selectors, methods, refs).
 *
 * Plain Levenshtein distance; a candidate is only suggested when it is close enough that the
 * suggestion is more likely helpful than confusing: within max(2, length/3) edits.
 */

/**
 * Edit distance between a and b, or a number above `limit` as soon as it is certain the
 * distance exceeds it (so scanning tens of thousands of candidates stays cheap).
 */
export function levenshtein(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    // Every later row is at least this row's minimum: stop early once it is out of reach.
    if (rowMin > limit) return limit + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length] as number;
}

/**
 * The candidate closest to `name`, if any is within max(2, floor(len/3)) edits. An exact match
 * is not a suggestion (the caller asked because the name was not found). Ties go to the
 * alphabetically first candidate so output is deterministic.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const d = levenshtein(name, candidate, Math.min(limit, bestDistance));
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
      if (d <= limit) {
        best = candidate;
        bestDistance = d;
      }
    }
  }
  return best;
}
