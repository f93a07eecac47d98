/**
 * Unix shell-style wildcards, as dbt uses them (Python's `fnmatch` and pathlib's `glob`).
 *
 * Implemented here rather than pulled from a package because the two flavours differ in one
 * detail dbt users rely on: in names (`fnmatch`) `*` also crosses dots (`marts.*` matches
 * `marts.core.orders`), while in paths (`glob`) `*` stops at `/` and only `**` crosses folders.
 * Matching is anchored and case-sensitive, like fnmatch on POSIX.
 */

const WILDCARD = /[*?[\]]/;

/** Does the value use any wildcard character? (dbt checks for `*`, `?`, `[` and `]`.) */
export function hasWildcard(value: string): boolean {
  return WILDCARD.test(value);
}

function escapeRegExp(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

/**
 * Translates a `[...]` class starting at `pattern[start]` (the `[`). Returns the regexp source
 * and the index after `]`, or undefined when the bracket is never closed (then fnmatch treats
 * `[` as a literal character, and so do we).
 */
function bracket(pattern: string, start: number, pathMode: boolean): [string, number] | undefined {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === '!') {
    negate = true;
    i++;
  }
  // A `]` right after `[` or `[!` is a literal member of the class, as in fnmatch.
  let body = '';
  if (pattern[i] === ']') {
    body += '\\]';
    i++;
  }
  for (; i < pattern.length && pattern[i] !== ']'; i++) {
    const ch = pattern[i] as string;
    body += ch === '-' ? '-' : escapeRegExp(ch);
  }
  if (i >= pattern.length) return undefined;
  // A path glob class never matches the separator, so `[!a]` cannot cross a folder.
  const sep = pathMode ? '/' : '';
  return [negate ? `[^${body}${sep}]` : `[${body}]`, i + 1];
}

function translate(pattern: string, pathMode: boolean): string {
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      const double = pathMode && pattern[i + 1] === '*';
      if (double) {
        // `**/` matches zero or more whole folders; a bare `**` matches anything.
        const slash = pattern[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 3 : 2;
      } else {
        out += pathMode ? '[^/]*' : '.*';
        i++;
      }
    } else if (ch === '?') {
      out += pathMode ? '[^/]' : '.';
      i++;
    } else if (ch === '[') {
      const cls = bracket(pattern, i, pathMode);
      out += cls ? cls[0] : '\\[';
      i = cls ? cls[1] : i + 1;
    } else {
      out += escapeRegExp(ch);
      i++;
    }
  }
  return out;
}

const nameCache = new Map<string, RegExp>();
const pathCache = new Map<string, RegExp>();

function compile(pattern: string, pathMode: boolean): RegExp {
  const cache = pathMode ? pathCache : nameCache;
  let re = cache.get(pattern);
  if (!re) {
    // `s`: a name may in theory contain a newline; `.` must still match it, as in fnmatch.
    re = new RegExp(`^${translate(pattern, pathMode)}$`, 's');
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/** The anchored RegExp fnmatch uses for `pattern`, for callers testing many names at once. */
export function fnmatchRegExp(pattern: string): RegExp {
  return compile(pattern, false);
}

/** fnmatch: `*` matches any run of characters (dots included), `?` one, `[abc]`/`[!abc]` a class. */
export function fnmatch(name: string, pattern: string): boolean {
  if (!hasWildcard(pattern)) return name === pattern;
  return compile(pattern, false).test(name);
}

/** Path glob: like fnmatch but `*`, `?` and classes stay inside one folder; `**` crosses folders. */
export function pathGlobMatch(path: string, pattern: string): boolean {
  if (!hasWildcard(pattern)) return path === pattern;
  return compile(pattern, true).test(path);
}
