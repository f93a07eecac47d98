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
import { bindArgs } from './context-globals.js';
import { markTuple, reprString } from './python-repr.js';

const FLAGS = { I: 2, IGNORECASE: 2, M: 8, MULTILINE: 8, S: 16, DOTALL: 16, X: 64, VERBOSE: 64 } as const;
const INLINE: Record<string, number> = { i: FLAGS.I, m: FLAGS.M, s: FLAGS.S, x: FLAGS.X };

/** The pattern without a leading `(?ims)` group, and the flags that group set. */
function inlineFlags(pattern: string): { pattern: string; flags: number } {
  const m = /^\(\?([imsx]+)\)/.exec(pattern);
  if (!m) return { pattern, flags: 0 };
  return { pattern: pattern.slice(m[0].length), flags: [...m[1]!].reduce((f, c) => f | INLINE[c]!, 0) };
}

/**
 * Python's pattern as a JavaScript one that matches the same texts (see the module's comment).
 * `at`: where `pattern` starts in the pattern as written (after a leading `(?i)`), for errors.
 */
function jsPattern(pattern: string, flags: number, at: number): string {
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
      if (end < 0) throw new Error(`missing ), unterminated name at position ${at + i + 4}`);
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

type Bound = Record<string, unknown>;
type Method = 'match' | 'fullmatch' | 'search' | 'findall' | 'sub' | 'split';

/** The parameters of a pattern's methods (`re.f` has the same ones after the pattern, and `flags` last). */
const PARAMS: Record<Method, readonly string[]> = {
  match: ['string', 'pos', 'endpos'],
  fullmatch: ['string', 'pos', 'endpos'],
  search: ['string', 'pos', 'endpos'],
  findall: ['string', 'pos', 'endpos'],
  sub: ['repl', 'string', 'count'],
  split: ['string', 'maxsplit'],
};

/** `(string, pos=0, endpos=len)` of a pattern's search methods: the text to read and where to start. */
function window({ string, pos, endpos }: Bound): { text: string; pos: number } {
  const full = String(string);
  const text = endpos === undefined || endpos === null ? full : full.slice(0, Math.max(0, Number(endpos)));
  return { text, pos: Math.min(text.length, Math.max(0, Number(pos ?? 0))) };
}

class PyPattern {
  readonly pattern: string;
  readonly flags: number;
  readonly #source: string;
  readonly #case: string;
  // The regular expressions of the methods, made once (as the pattern is: see `compile`). `d`
  // (the groups' positions) only where a match object is given out, for its start(1) and span(1).
  readonly #sticky: RegExp;
  #fullSticky: RegExp | undefined;
  #global: RegExp | undefined;
  #globalIndices: RegExp | undefined;
  constructor(pattern: unknown, flags: unknown = 0) {
    this.pattern = String(pattern);
    const inline = inlineFlags(this.pattern);
    this.flags = (Number(flags) || 0) | inline.flags;
    if (this.flags & FLAGS.X) throw new Error('re.VERBOSE is not supported: write the pattern without it');
    // Lines and `.` are translated (jsPattern), so only `i` is a JavaScript flag.
    this.#source = jsPattern(inline.pattern, this.flags, this.pattern.length - inline.pattern.length);
    this.#case = this.flags & FLAGS.I ? 'i' : '';
    this.#sticky = new RegExp(this.#source, `dy${this.#case}`); // a bad pattern fails here, at compile()
  }
  #at(re: RegExp, text: string, pos: number): PyMatch | null {
    re.lastIndex = pos;
    const m = re.exec(text);
    return m ? new PyMatch(m, text) : null;
  }
  /** The pattern's global expression, with `d` when `indices`; lastIndex 0 (matchAll starts there). */
  #globalRe(indices: boolean): RegExp {
    const re = indices ? (this.#globalIndices ??= new RegExp(this.#source, `dg${this.#case}`)) : (this.#global ??= new RegExp(this.#source, `g${this.#case}`));
    re.lastIndex = 0;
    return re;
  }
  #match(k: Bound): PyMatch | null {
    const { text, pos } = window(k);
    return this.#at(this.#sticky, text, pos);
  }
  #fullmatch(k: Bound): PyMatch | null {
    const { text, pos } = window(k);
    this.#fullSticky ??= new RegExp(`(?:${this.#source})(?![\\s\\S])`, `dy${this.#case}`);
    return this.#at(this.#fullSticky, text, pos);
  }
  #search(k: Bound): PyMatch | null {
    const { text, pos } = window(k);
    return this.#at(this.#globalRe(true), text, pos);
  }
  #findall(k: Bound): unknown[] {
    const { text, pos } = window(k);
    const re = this.#globalRe(false);
    re.lastIndex = pos;
    const out: unknown[] = [];
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[0] === '') re.lastIndex++;
      out.push(m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : markTuple(m.slice(1).map((v) => v ?? '')));
    }
    return out;
  }
  #sub({ repl, string: subject, count }: Bound): string {
    const s = String(subject);
    const limit = Number(count) || Infinity;
    let out = '';
    let last = 0;
    let done = 0;
    // A function is given match objects (their spans need `d`); a template is expanded from the groups.
    for (const m of s.matchAll(this.#globalRe(typeof repl === 'function'))) {
      if (done++ >= limit) break;
      out += s.slice(last, m.index) + (typeof repl === 'function' ? String(repl(new PyMatch(m, s))) : expand(String(repl), m));
      last = m.index + m[0].length;
    }
    return out + s.slice(last);
  }
  #split({ string, maxsplit }: Bound): unknown[] {
    const s = String(string);
    const limit = Number(maxsplit) || Infinity;
    const out: unknown[] = [];
    let last = 0;
    let splits = 0;
    for (const m of s.matchAll(this.#globalRe(false))) {
      if (splits++ >= limit) break;
      out.push(s.slice(last, m.index), ...m.slice(1).map((v) => (v === undefined ? null : v)));
      last = m.index + m[0].length;
    }
    out.push(s.slice(last));
    return out;
  }
  /** A method with its arguments bound (PARAMS). */
  #call(method: Method, k: Bound): unknown {
    switch (method) {
      case 'match':
        return this.#match(k);
      case 'fullmatch':
        return this.#fullmatch(k);
      case 'search':
        return this.#search(k);
      case 'findall':
        return this.#findall(k);
      case 'sub':
        return this.#sub(k);
      case 'split':
        return this.#split(k);
    }
  }
  match(...args: unknown[]): PyMatch | null {
    return this.#match(bindArgs(args, PARAMS.match));
  }
  fullmatch(...args: unknown[]): PyMatch | null {
    return this.#fullmatch(bindArgs(args, PARAMS.fullmatch));
  }
  search(...args: unknown[]): PyMatch | null {
    return this.#search(bindArgs(args, PARAMS.search));
  }
  findall(...args: unknown[]): unknown[] {
    return this.#findall(bindArgs(args, PARAMS.findall));
  }
  sub(...args: unknown[]): string {
    return this.#sub(bindArgs(args, PARAMS.sub));
  }
  split(...args: unknown[]): unknown[] {
    return this.#split(bindArgs(args, PARAMS.split));
  }
  toString(): string {
    return `re.compile(${reprString(this.pattern)})`;
  }

  /**
   * `re.f(pattern, ..., flags=0)`: its arguments bound once (`names`, after the pattern), the
   * pattern compiled (or given compiled), then the pattern's method with them.
   */
  static moduleFunction(method: Method, names: readonly string[]): (...args: unknown[]) => unknown {
    return (...args: unknown[]) => {
      const k = bindArgs(args, ['pattern', ...names, 'flags']);
      return compile(k['pattern'], k['flags'] ?? 0).#call(method, k);
    };
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

export const pyRe = {
  ...FLAGS,
  compile: (pattern: unknown, ...args: unknown[]) => compile(pattern, bindArgs(args, ['flags'])['flags'] ?? 0),
  match: PyPattern.moduleFunction('match', ['string']),
  fullmatch: PyPattern.moduleFunction('fullmatch', ['string']),
  search: PyPattern.moduleFunction('search', ['string']),
  findall: PyPattern.moduleFunction('findall', ['string']),
  sub: PyPattern.moduleFunction('sub', ['repl', 'string', 'count']),
  split: PyPattern.moduleFunction('split', ['string', 'maxsplit']),
  // Python 3.7+: only the characters special in a pattern.
  escape: (text: unknown) => String(text).replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, '\\$&'),
};
