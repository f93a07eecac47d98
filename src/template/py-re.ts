/**
 * `modules.re`, the part of Python's `re` that dbt macros use: `match`, `search`, `fullmatch`,
 * `sub`, `findall`, `split`, `compile`, `escape` and the flags `I` / `IGNORECASE`, `M` /
 * `MULTILINE`, `S` / `DOTALL`. Patterns run as JavaScript regular expressions after Python's own
 * spellings are translated (`(?P<name>...)`, `(?P=name)`, `\A`, `\Z`); `\1` / `\g<name>` in a
 * replacement are Python's. A match is an object with `group()`, `groups()`, `groupdict()`,
 * `start()`, `end()` and `span()`; no match is None.
 */
import { splitArgs } from './context-globals.js';
import { markTuple, reprString } from './python-repr.js';

const FLAGS = { I: 2, IGNORECASE: 2, M: 8, MULTILINE: 8, S: 16, DOTALL: 16, X: 64, VERBOSE: 64 } as const;

function jsFlags(flags: number): string {
  if (flags & FLAGS.X) throw new Error('re.VERBOSE is not supported: write the pattern without it');
  return `${flags & FLAGS.I ? 'i' : ''}${flags & FLAGS.M ? 'm' : ''}${flags & FLAGS.S ? 's' : ''}`;
}

/** Python's pattern spellings that JavaScript writes otherwise. */
function jsPattern(pattern: string): string {
  return pattern.replace(/\\\\|\(\?P<|\(\?P=(\w+)\)|\\A|\\Z/g, (m, name: string | undefined) => {
    if (m === '\\\\') return m;
    if (m === '(?P<') return '(?<';
    if (name !== undefined) return `\\k<${name}>`;
    return m === '\\A' ? '(?<![\\s\\S])' : '(?![\\s\\S])';
  });
}

class PyMatch {
  readonly #m: RegExpExecArray;
  constructor(m: RegExpExecArray) {
    this.#m = m;
  }
  group(...which: unknown[]): unknown {
    const one = (g: unknown) => {
      const v = typeof g === 'string' ? this.#m.groups?.[g] : this.#m[Number(g ?? 0)];
      return v === undefined ? null : v;
    };
    return which.length <= 1 ? one(which[0]) : markTuple(which.map(one));
  }
  groups(fallback: unknown = null): unknown[] {
    return markTuple(this.#m.slice(1).map((v) => (v === undefined ? fallback : v)));
  }
  groupdict(fallback: unknown = null): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.#m.groups ?? {}).map(([k, v]) => [k, v === undefined ? fallback : v]));
  }
  start(): number {
    return this.#m.index;
  }
  end(): number {
    return this.#m.index + this.#m[0].length;
  }
  span(): unknown[] {
    return markTuple([this.start(), this.end()]);
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
      const v = /^\d+$/.test(key) ? m[Number(key)] : m.groups?.[key];
      return v ?? '';
    }
    return ({ n: '\n', t: '\t', r: '\r', '\\': '\\' } as Record<string, string>)[c!] ?? whole;
  });
}

export class PyPattern {
  readonly pattern: string;
  readonly flags: number;
  readonly #source: string;
  readonly #flags: string;
  constructor(pattern: unknown, flags: unknown = 0) {
    this.pattern = String(pattern);
    this.flags = Number(flags) || 0;
    this.#source = jsPattern(this.pattern);
    this.#flags = jsFlags(this.flags);
    new RegExp(this.#source, this.#flags); // a bad pattern fails here, at compile()
  }
  #re(extra = ''): RegExp {
    return new RegExp(this.#source, this.#flags + extra);
  }
  match(text: unknown): PyMatch | null {
    const re = this.#re('y');
    const m = re.exec(String(text));
    return m ? new PyMatch(m) : null;
  }
  fullmatch(text: unknown): PyMatch | null {
    const m = new RegExp(`(?:${this.#source})$`, `${this.#flags}y`).exec(String(text));
    return m && m[0].length === String(text).length ? new PyMatch(m) : null;
  }
  search(text: unknown): PyMatch | null {
    const m = this.#re().exec(String(text));
    return m ? new PyMatch(m) : null;
  }
  findall(text: unknown): unknown[] {
    return [...String(text).matchAll(this.#re('g'))].map((m) => {
      if (m.length === 1) return m[0];
      if (m.length === 2) return m[1] ?? '';
      return markTuple(m.slice(1).map((v) => v ?? ''));
    });
  }
  sub(repl: unknown, text: unknown, count: unknown = 0): string {
    const limit = Number(count) || Infinity;
    const s = String(text);
    let out = '';
    let last = 0;
    let done = 0;
    for (const m of s.matchAll(this.#re('g'))) {
      if (done++ >= limit) break;
      out += s.slice(last, m.index) + (typeof repl === 'function' ? String(repl(new PyMatch(m))) : expand(String(repl), m));
      last = m.index + m[0].length;
    }
    return out + s.slice(last);
  }
  split(text: unknown, maxsplit: unknown = 0): unknown[] {
    const s = String(text);
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

/** `re.f(pattern, ..., flags=0)`: the flags given last or by keyword. */
function withPattern<T>(call: (p: PyPattern, rest: unknown[]) => T, flagsAt: number) {
  return (pattern: unknown, ...args: unknown[]): T => {
    const { positional, kwargs } = splitArgs(args);
    const flags = kwargs['flags'] ?? positional[flagsAt] ?? 0;
    const p = pattern instanceof PyPattern ? pattern : new PyPattern(pattern, flags);
    const rest = positional.slice(0, flagsAt);
    return call(p, rest.concat(Object.entries(kwargs).filter(([k]) => k !== 'flags').map(([, v]) => v)));
  };
}

export const pyRe = {
  ...FLAGS,
  compile: (pattern: unknown, ...args: unknown[]) => {
    const { positional, kwargs } = splitArgs(args);
    return new PyPattern(pattern, kwargs['flags'] ?? positional[0] ?? 0);
  },
  match: withPattern((p, [text]) => p.match(text), 1),
  fullmatch: withPattern((p, [text]) => p.fullmatch(text), 1),
  search: withPattern((p, [text]) => p.search(text), 1),
  findall: withPattern((p, [text]) => p.findall(text), 1),
  sub: withPattern((p, [repl, text, count]) => p.sub(repl, text, count), 3),
  split: withPattern((p, [text, maxsplit]) => p.split(text, maxsplit), 2),
  // Python 3.7+: only the characters special in a pattern.
  escape: (text: unknown) => String(text).replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, '\\$&'),
};
