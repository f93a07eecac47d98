/**
 * Random small CSV seeds for differential tests (the byte scanner vs csv-parse, the raw-file COPY
 * vs re-encoded rows): values picked from a pool of the cases that matter for type inference,
 * the null rule and quoting, written with random quoting, line endings, BOM, blank lines and
 * final newline. Deterministic for a given seed.
 */

/** mulberry32: small, seedable, good enough for test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values by the kind of column they make, so columns often stay typed. */
const POOLS: readonly (readonly string[])[] = [
  ['1', '-12', '+7', '007', '0', '999999999', '2147483648', '-2147483648', '9223372036854775808', '00000000001'],
  ['1.5', '.5', '5.', '-0.25', '1e5', '2.5E-3', '12', '+.5'],
  ['2024-01-31', '2024-1-5', '2024-02-29', '2023-02-29', '0000-01-01', '2024-13-01'],
  ['2024-01-31 10:00:00', '2024-01-31T10:00', '2024-01-31 10:00:00.5', '2024-01-31T10:00:00Z', '2024-01-31 25:00:00'],
  ['true', 'false', 'TRUE', 'False', 'yes', 't'],
  ['abc', 'a,b', 'say "hi"', 'line\nbreak', 'cr\r\nlf', 'zoë 東京', 'tab\there', 'back\\slash', '\\N', '\\.', '#x', 'x y'],
];
/** Values any column may get: NULL spellings, blanks, padding. */
const ODD = ['', '', '', 'null', 'NULL', ' ', ' 12 ', '\u00a012', 'x ', ' null '];

export interface RandomCsv {
  content: string;
  delimiter: string;
}

export function randomCsv(seed: number): RandomCsv {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const delimiter = pick([',', ',', ',', ';', '|', '\t']);
  const eol = rand() < 0.7 ? '\n' : '\r\n';
  const columns = 1 + Math.floor(rand() * 4);
  const pools = Array.from({ length: columns }, () => pick(POOLS));
  const oddness = pick([0, 0, 0.05, 0.3]);
  const quoting = pick([0, 0.2, 1]);
  const field = (v: string): string => {
    const must = v.includes(delimiter) || v.includes('"') || v.includes('\n') || v.includes('\r');
    return must || rand() < quoting ? `"${v.replaceAll('"', '""')}"` : v;
  };
  const lines = [Array.from({ length: columns }, (_, i) => field(`c${i}`)).join(delimiter)];
  const rows = Math.floor(rand() * 8);
  for (let r = 0; r < rows; r++) {
    if (rand() < 0.05) lines.push('');
    lines.push(pools.map((pool) => field(rand() < oddness ? pick(ODD) : pick(pool))).join(delimiter));
  }
  if (rand() < 0.1) lines.unshift('');
  let content = (rand() < 0.1 ? '\ufeff' : '') + lines.join(eol);
  if (rand() < 0.8) content += eol;
  if (rand() < 0.1) content += eol;
  return { content, delimiter };
}
