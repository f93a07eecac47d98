/**
 * `modules.re`, the part of Python's `re` that dbt macros use: `match`, `search`, `fullmatch`,
 * `sub`, `findall`, `split`, `compile` (a pattern with the same methods, `pos` / `endpos` too),
 * `escape` and the flags `I` / `IGNORECASE`, `M` / `MULTILINE`, `S` / `DOTALL` (also as a leading
 * `(?i)`). A match is an object with `group()`, `groups()`, `groupdict()`, `start()`, `end()`,
 * `span()` and `m[1]`; no match is None.
 *
 * Patterns run as JavaScript regular expressions, translated where the two read the same text
 * otherwise: `(?P<name>...)` and `(?P=name)`; `\A` and `\Z`; `$`, which in Python also matches
 * before a newline that ends the text; `^`, `$` and `.`, for which only `\n` ends a line in Python
 * (JavaScript also stops at `\r`, U+2028 and U+2029); `{,n}`; and a `]` first in a class.
 * `\w`, `\d`, `\s` and `\b` are ASCII here (Python's match any Unicode letter or digit).
 */
import { bindArgs, splitArgs } from './context-globals.js';
import { markTuple, reprString } from './python-repr.js';

const FLAGS = { I: 2, IGNORECASE: 2, M: 8, MULTILINE: 8, S: 16, DOTALL: 16, X: 64, VERBOSE: 64 } as const;
const INLINE: Record<string, number> = { i: FLAGS.I, m: FLAGS.M, s: FLAGS.S, x: FLAGS.X };

/** The pattern without a leading `(?ims)` group, and the flags that group set. */
function inlineFlags(pattern: string): { pattern: string; flags: number } {
  const m = /^\(\?([imsx]+)\)/.exec(pattern);
  if (!m) return { pattern, flags: 0 };
  return { pattern: pattern.slice(m[0].length), flags: [...m[1]!].reduce((f, c) => f | INLINE[c]!, 0) };
}

/** Python's pattern as a JavaScript one that matches the same texts (see the module's comment). */
function jsPattern(pattern: string, flags: number): string {
  const multiline = (flags & FLAGS.M) !== 0;
  const dotAll = (flags & FLAGS.S) !== 0;
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      i++;
      if (!inClass && next === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && next === 'Z') out += '(?![\\s\\S])';
      else out += c + next;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A `]` right after `[` or `[^` is a member in Python (JavaScript reads an empty class).
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (pattern.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if (pattern.startsWith('(?P=', i)) {
      const end = pattern.indexOf(')', i);
      out += `\\k<${pattern.slice(i + 4, end)}>`;
      i = end;
    } else if (c === '{' && /^\{,\d+\}/.test(pattern.slice(i))) {
      out += '{0,';
      i++;
    } else if (c === '.') {
      out += dotAll ? '[\\s\\S]' : '[^\\n]';
    } else if (c === '^') {
      out += multiline ? '(?<![^\\n])' : '^';
    } else if (c === '$') {
      out += multiline ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))';
    } else {
      out += c;
    }
  }
  return out;
}

class PyMatch {
  readonly #m: RegExpExecArray;
  readonly #subject: string;
  [group: number]: unknown;
  constructor(m: RegExpExecArray, subject: string) {
    this.#m = m;
    this.#subject = subject;
    // m[1], as Python's match[1].
    m.forEach((v, i) => {
      this[i] = v === undefined ? null : v;
    });
  }
  /** A group's value and span, by number or name; Python's IndexError for one that does not exist. */
  #group(g: unknown): { value: string | undefined; span: [number, number] | undefined } {
    if (typeof g === 'string') {
      if (!this.#m.groups || !(g in this.#m.groups)) throw new Error('IndexError: no such group');
      return { value: this.#m.groups[g], span: this.#m.indices?.groups?.[g] };
    }
    const n = Number(g ?? 0);
    if (!Number.isInteger(n) || n < 0 || n >= this.#m.length) throw new Error('IndexError: no such group');
    return { value: this.#m[n], span: this.#m.indices?.[n] };
  }
  group(...which: unknown[]): unknown {
    const one = (g: unknown) => this.#group(g).value ?? null;
    return which.length <= 1 ? one(which[0]) : markTuple(which.map(one));
  }
  groups(fallback: unknown = null): unknown[] {
    return markTuple(this.#m.slice(1).map((v) => (v === undefined ? fallback : v)));
  }
  groupdict(fallback: unknown = null): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.#m.groups ?? {}).map(([k, v]) => [k, v === undefined ? fallback : v]));
  }
  start(g: unknown = 0): number {
    return this.#group(g).span?.[0] ?? -1;
  }
  end(g: unknown = 0): number {
    return this.#group(g).span?.[1] ?? -1;
  }
  span(g: unknown = 0): unknown[] {
    return markTuple([this.start(g), this.end(g)]);
  }
  get string(): string {
    return this.#subject;
  }
  toString(): string {
    return `<re.Match object; span=(${this.start()}, ${this.end()}), match=${reprString(this.#m[0])}>`;
  }
}

/** A Python replacement template (`\1`, `\g<1>`, `\g<name>`, `\n`, `\\`) filled in from one match. */
function expand(repl: string, m: RegExpExecArray): string {
  return repl.replace(/\\(?:g<(\w+)>|(\d{1,2})|(.))/gs, (whole, g: string | undefined, n: string | undefined, c: string | undefined) => {
    if (g !== undefined || n !== undefined) {
      const key = g ?? n!;
      const numbered = /^\d+$/.test(key);
      if (numbered ? Number(key) >= m.length : !(key in (m.groups ?? {}))) throw new Error(`invalid group reference ${key}`);
      return (numbered ? m[Number(key)] : m.groups![key]) ?? '';
    }
    return ({ n: '\n', t: '\t', r: '\r', '\\': '\\' } as Record<string, string>)[c!] ?? whole;
  });
}

/** `(string, pos=0, endpos=len)` of a pattern's search methods: the text to read and where to start. */
function window(args: unknown[]): { text: string; pos: number } {
  const { string, pos, endpos } = bindArgs(args, ['string', 'pos', 'endpos']);
  const full = String(string);
  const text = endpos === undefined || endpos === null ? full : full.slice(0, Math.max(0, Number(endpos)));
  return { text, pos: Math.min(text.length, Math.max(0, Number(pos ?? 0))) };
}

export class PyPattern {
  readonly pattern: string;
  readonly flags: number;
  readonly #source: string;
  readonly #flags: string;
  constructor(pattern: unknown, flags: unknown = 0) {
    this.pattern = String(pattern);
    const inline = inlineFlags(this.pattern);
    this.flags = (Number(flags) || 0) | inline.flags;
    if (this.flags & FLAGS.X) throw new Error('re.VERBOSE is not supported: write the pattern without it');
    this.#source = jsPattern(inline.pattern, this.flags);
    // `d`: the groups' positions (start(1), span(1)). Lines and `.` are translated (jsPattern).
    this.#flags = `d${this.flags & FLAGS.I ? 'i' : ''}`;
    new RegExp(this.#source, this.#flags); // a bad pattern fails here, at compile()
  }
  #re(extra: string, source = this.#source): RegExp {
    return new RegExp(source, this.#flags + extra);
  }
  #at(re: RegExp, text: string, pos: number): PyMatch | null {
    re.lastIndex = pos;
    const m = re.exec(text);
    return m ? new PyMatch(m, text) : null;
  }
  match(...args: unknown[]): PyMatch | null {
    const { text, pos } = window(args);
    return this.#at(this.#re('y'), text, pos);
  }
  fullmatch(...args: unknown[]): PyMatch | null {
    const { text, pos } = window(args);
    return this.#at(this.#re('y', `(?:${this.#source})(?![\\s\\S])`), text, pos);
  }
  search(...args: unknown[]): PyMatch | null {
    const { text, pos } = window(args);
    return this.#at(this.#re('g'), text, pos);
  }
  findall(...args: unknown[]): unknown[] {
    const { text, pos } = window(args);
    const re = this.#re('g');
    re.lastIndex = pos;
    const out: unknown[] = [];
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[0] === '') re.lastIndex++;
      out.push(m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : markTuple(m.slice(1).map((v) => v ?? '')));
    }
    return out;
  }
  sub(...args: unknown[]): string {
    const { repl, string: subject, count } = bindArgs(args, ['repl', 'string', 'count']);
    const s = String(subject);
    const limit = Number(count) || Infinity;
    let out = '';
    let last = 0;
    let done = 0;
    for (const m of s.matchAll(this.#re('g'))) {
      if (done++ >= limit) break;
      out += s.slice(last, m.index) + (typeof repl === 'function' ? String(repl(new PyMatch(m, s))) : expand(String(repl), m));
      last = m.index + m[0].length;
    }
    return out + s.slice(last);
  }
  split(...args: unknown[]): unknown[] {
    const { string, maxsplit } = bindArgs(args, ['string', 'maxsplit']);
    const s = String(string);
    const limit = Number(maxsplit) || Infinity;
    const out: unknown[] = [];
    let last = 0;
    let splits = 0;
    for (const m of s.matchAll(this.#re('g'))) {
      if (splits++ >= limit) break;
      out.push(s.slice(last, m.index), ...m.slice(1).map((v) => (v === undefined ? null : v)));
      last = m.index + m[0].length;
    }
    out.push(s.slice(last));
    return out;
  }
  toString(): string {
    return `re.compile(${reprString(this.pattern)})`;
  }
}

/**
 * A pattern compiled once per text and flags, as Python's `re` caches its patterns: a call in a
 * loop over rows translates and checks the pattern only the first time. Bounded as Python's cache.
 */
const compiled = new Map<string, PyPattern>();
const MAX_COMPILED = 512;

function compile(pattern: unknown, flags: unknown): PyPattern {
  if (pattern instanceof PyPattern) return pattern;
  const key = `${Number(flags) || 0}\u0000${String(pattern)}`;
  let p = compiled.get(key);
  if (!p) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    p = new PyPattern(pattern, flags);
    compiled.set(key, p);
  }
  return p;
}

/** `re.f(pattern, ..., flags=0)`: the pattern compiled (or given compiled), then its method. */
function withPattern(method: 'match' | 'fullmatch' | 'search' | 'findall' | 'sub' | 'split', flagsAt: number) {
  return (pattern: unknown, ...args: unknown[]): unknown => {
    const { positional, kwargs } = splitArgs(args);
    const flags = kwargs['flags'] ?? positional[flagsAt] ?? 0;
    const p = compile(pattern, flags);
    const { flags: _flags, ...rest } = kwargs;
    const call = [...positional.slice(0, flagsAt), ...(Object.keys(rest).length ? [{ ...rest, __keywords: true }] : [])];
    return (p[method] as (...a: unknown[]) => unknown).apply(p, call);
  };
}

export const pyRe = {
  ...FLAGS,
  compile: (pattern: unknown, ...args: unknown[]) => compile(pattern, bindArgs(args, ['flags'])['flags'] ?? 0),
  match: withPattern('match', 1),
  fullmatch: withPattern('fullmatch', 1),
  search: withPattern('search', 1),
  findall: withPattern('findall', 1),
  sub: withPattern('sub', 3),
  split: withPattern('split', 2),
  // Python 3.7+: only the characters special in a pattern.
  escape: (text: unknown) => String(text).replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, '\\$&'),
};
