/**
 * Makes nunjucks behave like Jinja2 as dbt uses it, beyond nunjucks' own `installJinjaCompat()`
 * (which gives Python list/dict methods, `True/False/None` and slices):
 *
 * - Python string methods (`'a'.upper()`, `.split()`, `.startswith()`, `.strip()`, `.format()`...);
 * - slicing a string yields a string (`'abc'[1:]` is `'bc'`, not a list);
 * - the `{% do expr %}` statement from Jinja's `do` extension (dbt projects use it everywhere);
 * - Jinja tests and filters dbt code relies on (`is none`, `is string`, `|as_bool`, `|tojson`...);
 * - `{% set ns.attr = value %}` on a `namespace()` (namespace.ts).
 *
 * nunjucks keeps its runtime in module state, so the patch is process-wide; it is installed once
 * and is idempotent. Nothing else in the process uses nunjucks.
 */
import nunjucks from 'nunjucks';
import { installNamespaceAssignment, Namespace } from './namespace.js';
import { installParenthesizedLoopTargets, LOOP_FILTER, LOOP_ITEMS, loopFilter, loopItems } from './loop-targets.js';
import { bindArgs, splitArgs } from './context-globals.js';
import { attributeFilter, attributeOf, isIterable, percentFormat, pythonRound, pythonSequence, pythonTruthy } from './python-semantics.js';
import { installStarArguments } from './star-arguments.js';
import { installPythonTruthiness } from './truthiness.js';
import { installPythonOperators, pythonAdd, pythonEquals, pythonOrder, pythonText } from './python-operators.js';
import { installTupleAssignment, UNPACK, unpack } from './tuple-assignment.js';
import { pythonFormat } from './python-format.js';
import { pythonJsonDumps } from './python-json.js';
import { pythonRange } from './python-range.js';
import { holdsExactly, inexactIntError, isFloat, isNumber, isNumeric, num, PyFloat, toFloat } from './python-float.js';
import { isMapping, markTuple, pythonRepr, pythonTypeName } from './python-repr.js';
import { dictsort, groupby, truncate } from './collection-filters.js';
import { installLoopControls, LoopControls } from './loop-controls.js';
import { installLoopScope } from './loop-scope.js';
import { installTestSyntax } from './test-syntax.js';
import { installArithmeticSyntax } from './arithmetic-syntax.js';
import { installMacroFrames } from './macro-frames.js';
import { installLiteralSyntax, keepBracketErrors } from './literal-syntax.js';

type AnyFn = (...args: unknown[]) => unknown;

const STRING_MEMBERS: Record<string, (this: string, ...args: any[]) => unknown> = {
  upper() { return this.toUpperCase(); },
  lower() { return this.toLowerCase(); },
  strip(chars?: string) { return stripChars(this, chars, true, true); },
  lstrip(chars?: string) { return stripChars(this, chars, true, false); },
  rstrip(chars?: string) { return stripChars(this, chars, false, true); },
  split(...args: unknown[]) {
    const { sep, maxsplit } = splitArguments(args);
    return pySplit(this, sep, maxsplit);
  },
  startswith(prefix: string | string[]) { return anyOf(prefix, (p) => this.startsWith(p)); },
  endswith(suffix: string | string[]) { return anyOf(suffix, (s) => this.endsWith(s)); },
  replace(old: string, replacement: string, count?: number) { return pyReplace(this, old, replacement, count); },
  // Python's: a letter after anything but a letter starts a word (Unicode letters too: 'ÄÖü' is 'Äöü').
  title() { return this.toLowerCase().replace(/(^|[^\p{L}])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase()); },
  capitalize() { return this.charAt(0).toUpperCase() + this.slice(1).toLowerCase(); },
  find(sub: string, start?: number, end?: number) { return findIn(this, sub, start, end, false); },
  index(sub: string, start?: number, end?: number) { return found(findIn(this, sub, start, end, false)); },
  count(sub: string, start?: number, end?: number) {
    const { text, empty } = window(this, start, end);
    if (empty) return 0;
    return sub === '' ? text.length + 1 : text.split(sub).length - 1;
  },
  join(items: unknown[]) { return (items ?? []).map((x) => String(x)).join(this); },
  format(...args: unknown[]) { return pyFormat(this, args); },
  // Unicode letters and digits, as Python's.
  isdigit() { return /^\p{Nd}+$/u.test(this); },
  isalpha() { return /^\p{L}+$/u.test(this); },
  isalnum() { return /^[\p{L}\p{Nd}]+$/u.test(this); },
  isupper() { return this !== this.toLowerCase() && this === this.toUpperCase(); },
  islower() { return this !== this.toUpperCase() && this === this.toLowerCase(); },
  rsplit(...args: unknown[]) {
    const { sep, maxsplit } = splitArguments(args);
    return pyRsplit(this, sep, maxsplit);
  },
  rfind(sub: string, start?: number, end?: number) { return findIn(this, sub, start, end, true); },
  rindex(sub: string, start?: number, end?: number) { return found(findIn(this, sub, start, end, true)); },
  partition(sep: string) {
    const i = this.indexOf(sep);
    return markTuple(i < 0 ? [String(this), '', ''] : [this.slice(0, i), sep, this.slice(i + sep.length)]);
  },
  rpartition(sep: string) {
    const i = this.lastIndexOf(sep);
    return markTuple(i < 0 ? ['', '', String(this)] : [this.slice(0, i), sep, this.slice(i + sep.length)]);
  },
  removeprefix(prefix: string) { return this.startsWith(prefix) ? this.slice(prefix.length) : String(this); },
  removesuffix(suffix: string) { return suffix && this.endsWith(suffix) ? this.slice(0, -suffix.length) : String(this); },
  splitlines() { return this.split(/\r\n|\r|\n/).filter((line, i, all) => i < all.length - 1 || line !== ''); },
  swapcase() { return [...this].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''); },
  casefold() { return this.toLowerCase(); },
  center(width: number, fill = ' ') {
    const total = Math.max(0, width - this.length);
    // CPython's rule for the odd extra fill character: on the left only when both the margin and the width are odd.
    const left = Math.floor(total / 2) + (total % 2 && width % 2 ? 1 : 0);
    return fill.repeat(left) + this + fill.repeat(total - left);
  },
  isspace() { return /^\s+$/.test(this); },
  isnumeric() { return /^\p{N}+$/u.test(this); },
  isdecimal() { return /^\p{Nd}+$/u.test(this); },
  zfill(width: number) { return this.padStart(width, '0'); },
  ljust(width: number, fill = ' ') { return this.padEnd(width, fill); },
  rjust(width: number, fill = ' ') { return this.padStart(width, fill); },
};

/** split's and rsplit's `(sep=None, maxsplit=-1)`, positional or by keyword. */
function splitArguments(args: unknown[]): { sep: string | undefined; maxsplit: number | undefined } {
  const { sep, maxsplit } = bindArgs(args, ['sep', 'maxsplit']);
  return { sep: sep === null || sep === undefined ? undefined : String(sep), maxsplit: maxsplit === undefined || maxsplit === null ? undefined : Number(maxsplit) };
}

/** `s[start:end]` as Python slices it (negative positions count from the end), and where it starts. */
function window(s: string, start?: number, end?: number): { text: string; offset: number; empty: boolean } {
  const at = (n: number | undefined, fallback: number) => (n === undefined || n === null ? fallback : n < 0 ? Math.max(0, s.length + n) : Math.min(n, s.length));
  const from = at(start, 0);
  const to = at(end, s.length);
  // A window that starts past the end, or ends before it starts, holds not even the empty string.
  const empty = (start !== undefined && start !== null && start > s.length) || to < from;
  return { text: s.slice(from, Math.max(from, to)), offset: from, empty };
}

/** str.find / str.rfind with Python's optional start and end. */
function findIn(s: string, sub: string, start: number | undefined, end: number | undefined, last: boolean): number {
  const { text, offset, empty } = window(s, start, end);
  if (empty) return -1;
  const i = last ? text.lastIndexOf(sub) : text.indexOf(sub);
  return i < 0 ? -1 : i + offset;
}

/** str.index / str.rindex: a position, or Python's ValueError. */
function found(i: number): number {
  if (i < 0) throw new Error('ValueError: substring not found');
  return i;
}

const nunjucksIn = (nunjucks as unknown as { runtime: { inOperator: (key: unknown, container: unknown) => boolean } }).runtime.inOperator;

/**
 * Python's `key in container` (the operator and the `in` test): a list by value (`['a'] in [['a']]`,
 * `1.0 in [1]`), a mapping by its own keys only (`'toString' in {}` is false), a text by substring.
 */
export function pythonIn(key: unknown, container: unknown): boolean {
  if (Array.isArray(container)) return container.some((x) => pythonEquals(x, key));
  if (isMapping(container)) return Object.hasOwn(container, String(key));
  return nunjucksIn(key, container);
}

/** The position of `item` in a list by Python's `==`, or Python's ValueError. */
function listIndex(list: unknown[], item: unknown): number {
  const i = list.findIndex((x) => pythonEquals(x, item));
  if (i < 0) throw new Error(`ValueError: ${pythonRepr(item)} is not in list`);
  return i;
}

/** Python's list methods, on the list itself (`{% do cols.extend(more) %}`). */
const LIST_MEMBERS: Record<string, (this: unknown[], ...args: any[]) => unknown> = {
  append(item: unknown) { this.push(item); return null; },
  extend(items: unknown) { this.push(...pythonSequence(items)); return null; },
  insert(index: number, item: unknown) {
    const i = index < 0 ? Math.max(0, this.length + index) : Math.min(index, this.length);
    this.splice(i, 0, item);
    return null;
  },
  pop(index: number = -1) {
    if (!this.length) throw new Error('IndexError: pop from empty list');
    const i = index < 0 ? this.length + index : index;
    if (i < 0 || i >= this.length) throw new Error('IndexError: pop index out of range');
    return this.splice(i, 1)[0];
  },
  remove(item: unknown) { this.splice(listIndex(this, item), 1); return null; },
  index(item: unknown) { return listIndex(this, item); },
  count(item: unknown) { return this.filter((x) => pythonEquals(x, item)).length; },
  reverse() { this.reverse(); return null; },
  sort(...args: unknown[]) {
    const { positional, kwargs } = splitArgs(args);
    if (positional.length) throw new TypeError('sort() takes no positional arguments');
    // A key= needs a function, which a template cannot write (Jinja has no lambda).
    if (kwargs['key'] !== undefined && kwargs['key'] !== null) throw new TypeError("sort(key=...) is not supported in templates: use the sort filter's attribute= ({{ rows | sort(attribute='name') }})");
    // Python's order (mixed types are its TypeError); reversed as sorted(reverse=True) is, stably.
    const direction = pythonTruthy(kwargs['reverse']) ? -1 : 1;
    const sorted = [...this].sort((a, b) => pythonOrder(a, b) * direction);
    this.splice(0, this.length, ...sorted);
    return null;
  },
  copy() { return [...this]; },
  clear() { this.length = 0; return null; },
};

function anyOf(x: string | string[], test: (s: string) => boolean): boolean {
  return Array.isArray(x) ? x.some(test) : test(x);
}

function stripChars(s: string, chars: string | undefined, left: boolean, right: boolean): string {
  if (chars === undefined || chars === null) {
    if (left && right) return s.trim();
    return left ? s.trimStart() : s.trimEnd();
  }
  let a = 0;
  let b = s.length;
  while (left && a < b && chars.includes(s[a]!)) a++;
  while (right && b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function pySplit(s: string, sep: string | undefined, maxsplit?: number): string[] {
  const limit = maxsplit === undefined || maxsplit < 0 ? Infinity : maxsplit;
  if (sep === undefined) {
    const parts = s.trim().split(/\s+/).filter((p) => p !== '');
    if (limit === Infinity || parts.length <= limit) return parts;
    const head = parts.slice(0, limit);
    // The rest keeps its trailing whitespace, as Python's split(None, n) does.
    let rest = s.trimStart();
    for (const h of head) rest = rest.slice(rest.indexOf(h) + h.length).trimStart();
    return [...head, rest];
  }
  const parts = s.split(sep);
  if (limit === Infinity || parts.length <= limit + 1) return parts;
  return [...parts.slice(0, limit), parts.slice(limit).join(sep)];
}

/** Python's str.rsplit: from the right, at most maxsplit cuts. */
function pyRsplit(s: string, sep: string | undefined, maxsplit?: number): string[] {
  const limit = maxsplit === undefined || maxsplit < 0 ? Infinity : maxsplit;
  if (limit === Infinity) return pySplit(s, sep);
  if (sep === undefined) {
    const parts = s.trim().split(/\s+/).filter((p) => p !== '');
    if (parts.length <= limit) return parts;
    const tail = parts.slice(parts.length - limit);
    // The rest keeps its leading whitespace, as Python's rsplit(None, n) does.
    let rest = s.trimEnd();
    for (const t of [...tail].reverse()) rest = rest.slice(0, rest.lastIndexOf(t)).trimEnd();
    return [rest, ...tail];
  }
  const parts = s.split(sep);
  if (parts.length <= limit + 1) return parts;
  return [parts.slice(0, parts.length - limit).join(sep), ...parts.slice(parts.length - limit)];
}

function pyReplace(s: string, old: string, replacement: string, count?: number): string {
  if (old === '') {
    // Python inserts the replacement before every character and at the end (up to count times).
    const slots = [...s, ''];
    const limit = count === undefined || count < 0 ? slots.length : count;
    return slots.map((c, i) => (i < limit ? replacement + c : c)).join('');
  }
  if (count === undefined || count < 0) return s.split(old).join(replacement);
  let out = s;
  let from = 0;
  for (let i = 0; i < count; i++) {
    const at = out.indexOf(old, from);
    if (at < 0) break;
    out = out.slice(0, at) + replacement + out.slice(at + old.length);
    from = at + replacement.length;
  }
  return out;
}

/** `'{:>8.2f} {name}'.format(x, name=n)`: Python's str.format (python-format.ts). */
function pyFormat(s: string, args: unknown[]): string {
  const { positional, kwargs } = splitArgs(args);
  return pythonFormat(String(s), positional, kwargs);
}

/** `{% do expr %}`: evaluate an expression for its side effect, output nothing. */
class DoExtension {
  tags = ['do'];
  parse(parser: any, nodes: any): unknown {
    const tok = parser.nextToken();
    const expr = parser.parseExpression();
    parser.advanceAfterBlockEnd(tok.value);
    return new nodes.CallExtension(this, 'run', new nodes.NodeList(tok.lineno, tok.colno, [expr]));
  }
  run(): string {
    return '';
  }
}

interface CompilerProto {
  compileGroup(node: { children: unknown[] }, frame: unknown): void;
  compileArray(node: { children: unknown[] }, frame: unknown): void;
}

let installed = false;

/** Patch nunjucks' runtime once for the whole process. */
export function installJinjaCompat(): void {
  if (installed) return;
  installed = true;
  // First: nunjucks' slices (`x[1:]`) wrap the parseAggregate they find, which must be this one.
  installLiteralSyntax();
  nunjucks.installJinjaCompat();
  keepBracketErrors();
  installNamespaceAssignment();
  installParenthesizedLoopTargets();
  installLoopScope();
  installMacroFrames();
  installLoopControls();
  installTestSyntax();
  installArithmeticSyntax();
  installTupleAssignment();
  installStarArguments();
  installPythonTruthiness();
  installPythonOperators();
  // Jinja's tuples: nunjucks parses `('a', 1)` as a Group and compiles it to JavaScript's comma
  // operator, which yields only its last item, so `{% for name, value in [('a', 1)] %}` unpacked
  // nothing. A Group of two or more items, or none (`()`), is a tuple, i.e. an array (what Jinja's
  // tuple behaves as in a template); a Group of one item stays a parenthesized expression. template-interpreter.ts
  // does the same.
  const compiler = (nunjucks as unknown as { compiler: { Compiler: { prototype: CompilerProto } } }).compiler;
  const compileGroup = compiler.Compiler.prototype.compileGroup;
  compiler.Compiler.prototype.compileGroup = function compileTuple(this: CompilerProto, node: { children: unknown[]; strataTuple?: boolean }, frame: unknown) {
    if (node.children.length !== 1 || node.strataTuple) {
      // Marked as a tuple, so that it prints as one (python-repr.ts).
      (this as unknown as { _emit(code: string): void })._emit('runtime.strataTuple(');
      this.compileArray(node, frame);
      (this as unknown as { _emit(code: string): void })._emit(')');
      return;
    }
    return compileGroup.call(this, node, frame);
  };
  (nunjucks as unknown as { runtime: Record<string, unknown> }).runtime['strataTuple'] = markTuple;
  // `%` as Python: string formatting, floored modulo (python-semantics.ts); JavaScript's `%` gave
  // NaN for `'%s' % x`. A call (python-operators.ts compiles `%` to it), so the operands keep the
  // tree's grouping.
  const runtime = (nunjucks as unknown as { runtime: { memberLookup: AnyFn; inOperator: AnyFn } }).runtime;
  runtime.inOperator = pythonIn;
  const compatLookup = runtime.memberLookup;
  runtime.memberLookup = function memberLookup(this: unknown, obj: unknown, key: unknown, ...rest: unknown[]) {
    // A String object (run_started_at, a macro's markup) is indexed and sliced as its text.
    if (obj instanceof String && (rest.length === 2 || typeof key === 'number')) obj = obj.toString();
    // Python's negative indexes count from the end (`l[-1]`, `'a.b'.split('.')[-1]`).
    if (typeof key === 'number' && key < 0 && Number.isInteger(key) && (Array.isArray(obj) || typeof obj === 'string')) key = obj.length + key;
    // Python's list methods (nunjucks' pop and remove differed, extend and sort were missing).
    if (Array.isArray(obj) && typeof key === 'string' && Object.hasOwn(LIST_MEMBERS, key)) return LIST_MEMBERS[key]!.bind(obj);
    // Objects of a class (relations, query results) answer with their own methods; the Python
    // dict methods (`.values()`, `.items()`, `.get()`) are for plain mappings only.
    if (obj !== null && typeof obj === 'object' && typeof key === 'string' && !Array.isArray(obj)) {
      const proto = Object.getPrototypeOf(obj);
      // A mapping's own key wins over the dict method of that name (`meta['values']`, `d['items']`).
      if (isMapping(obj) && Object.hasOwn(obj, key)) return obj[key];
      // Its pairs are tuples, printed `('a', 1)` (python-repr.ts).
      if (key === 'items' && isMapping(obj)) return () => Object.entries(obj).map(markTuple);
      // A missing key is None, as Python's dict.get (printed `None`), and only own keys count.
      if (key === 'get' && isMapping(obj)) return (k: unknown, fallback: unknown = null) => (Object.hasOwn(obj, String(k)) ? obj[String(k)] : fallback);
      const member = (obj as Record<string, unknown>)[key];
      // A namespace's attributes are what it holds, even one named `items` or `get`.
      if (proto === Namespace.prototype) return member;
      if (proto !== Object.prototype && proto !== null && typeof member === 'function') return (member as AnyFn).bind(obj);
    }
    if (typeof obj === 'string') {
      if (rest.length === 2) return (compatLookup.call(this, obj, key, ...rest) as string[]).join('');
      if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(STRING_MEMBERS, key)) {
        return STRING_MEMBERS[key]!.bind(obj);
      }
    }
    // A macro's output (or an escaped text) is a String object: Python's str methods on its text,
    // as on Jinja's Markup (`{{ my_macro().strip() }}`).
    if (obj instanceof String && typeof key === 'string' && Object.prototype.hasOwnProperty.call(STRING_MEMBERS, key) && !(key in obj)) {
      return STRING_MEMBERS[key]!.bind(obj.toString());
    }
    return compatLookup.call(this, obj, key, ...rest);
  };
}

/** The integer that parseInt(text, base) reads, exactly (its leading digits of the base); undefined if none. */
function bigIntInBase(text: string, base: number): bigint | undefined {
  const match = /^([+-]?)(?:0[xX])?([0-9a-zA-Z]+)/.exec(text);
  if (!match) return undefined;
  let value = 0n;
  for (const ch of match[2]!) {
    const digit = Number.parseInt(ch, 36);
    if (digit >= base) break;
    value = value * BigInt(base) + BigInt(digit);
  }
  return match[1] === '-' ? -value : value;
}

/** Jinja tests and filters that dbt code uses and nunjucks lacks. */
export function addJinjaFiltersAndTests(nunjucksEnv: nunjucks.Environment): void {
  // @types/nunjucks lacks addTest; the method exists on Environment since nunjucks 3.
  const env = nunjucksEnv as nunjucks.Environment & { addTest(name: string, fn: (...args: any[]) => boolean): void };
  env.addExtension('do', new DoExtension());
  env.addExtension('loopcontrols', new LoopControls());
  const getTest = (name: string) => (env as unknown as { getTest(n: string): AnyFn }).getTest(name);
  // Jinja's int / float: a value they cannot read is the default (0), never NaN; '1e3' | int is 1000.
  env.addFilter('int', (v: unknown, fallback: unknown = 0, base: unknown = 10) => {
    if (typeof v === 'boolean') return Number(v);
    if (v instanceof PyFloat) v = v.value;
    if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : fallback;
    if (typeof v !== 'string' && !(v instanceof String)) return fallback;
    const text = String(v).trim().replace(/_/g, '');
    if (Number(base) === 10 && /^[+-]?\d+$/.test(text)) {
      // A bigint's text past 2^53 (run_query keeps it text) must not become a neighbouring number.
      const n = Number.parseInt(text, 10);
      if (!Number.isSafeInteger(n) && !holdsExactly(n, BigInt(text))) throw inexactIntError(BigInt(text).toString());
      return n;
    }
    if (Number(base) !== 10) {
      const parsed = Number.parseInt(text, Number(base));
      if (Number.isNaN(parsed) || Number.isSafeInteger(parsed)) return Number.isNaN(parsed) ? fallback : parsed;
      const exact = bigIntInBase(text, Number(base));
      if (exact !== undefined && !holdsExactly(parsed, exact)) throw inexactIntError(exact.toString());
      return parsed;
    }
    const asFloat = text === '' ? Number.NaN : Number(text);
    return Number.isFinite(asFloat) ? Math.trunc(asFloat) : fallback;
  });
  // Jinja's round: 'common' is Python's round(), which takes a half to the even neighbour
  // (2.5 -> 2, 3.5 -> 4, 0.125 -> 0.12; python-semantics.ts); nunjucks' Math.round took every half up.
  env.addFilter('round', (v: unknown, precision: unknown = 0, method: unknown = 'common') => {
    if (method !== 'common' && method !== 'ceil' && method !== 'floor') throw new Error("method must be 'common', 'ceil' or 'floor'");
    // Python's round takes a number only ('2.5' | round is its TypeError).
    if (!isNumeric(v)) throw new TypeError(`type ${pythonTypeName(v)} doesn't define __round__ method`);
    // Python's round keeps an int an int; a float, and ceil / floor (a division), give a float.
    if (method === 'common') return isFloat(v) ? toFloat(pythonRound(Number(v), Number(precision))) : pythonRound(Number(v), Number(precision));
    const factor = 10 ** Number(precision);
    // `+ 0`: Python's math.ceil(-0.5) is the int 0, not -0.
    return toFloat(((method === 'ceil' ? Math.ceil : Math.floor)(Number(v) * factor) + 0) / factor);
  });
  env.addFilter('float', (v: unknown, fallback: unknown = new PyFloat(0)) => {
    if (v instanceof PyFloat) return v;
    if (typeof v === 'boolean') return toFloat(Number(v));
    const n = typeof v === 'number' ? v : typeof v === 'string' || v instanceof String ? (String(v).trim() === '' ? Number.NaN : Number(String(v).trim().replace(/_/g, ''))) : Number.NaN;
    return Number.isNaN(n) ? fallback : toFloat(n);
  });
  // Jinja's title: words begin after `-`, whitespace or an opening bracket (not `_`, not `,`).
  env.addFilter('title', (v: unknown) => pythonText(v).split(/([-\s({[<]+)/).map((w) => (w ? w.charAt(0).toUpperCase() + w.slice(1).toLowerCase() : w)).join(''));
  env.addFilter('center', (v: unknown, width: unknown = 80) => STRING_MEMBERS['center']!.call(pythonText(v), Number(width)));
  // Jinja's wordcount: runs of word characters, letters of any script included.
  env.addFilter('wordcount', (v: unknown) => (pythonText(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length);
  env.addFilter('abs', (v: unknown) => {
    if (!isNumeric(v)) throw new TypeError(`bad operand type for abs(): '${pythonTypeName(v)}'`); // not nan
    return isFloat(v) ? toFloat(Math.abs(Number(v))) : Math.abs(Number(num(v)));
  });
  // String filters read any value as its text, as Jinja (`true | lower` is 'true').
  for (const name of ['lower', 'upper', 'trim', 'capitalize', 'replace', 'striptags', 'urlize', 'urlencode', 'indent', 'nl2br']) {
    const filter = env.getFilter(name) as AnyFn | undefined;
    if (!filter) continue;
    // Arguments that are numbers print as Python's too ('ab' | replace('b', 10 / 2) is a5.0).
    env.addFilter(name, (v: unknown, ...args: unknown[]) => filter(typeof v === 'string' ? v : pythonText(v), ...args.map((a) => (a instanceof PyFloat ? pythonText(a) : a))));
  }
  env.addFilter('format', (v: unknown, ...args: unknown[]) => percentFormat(String(v), args.length === 1 ? args[0] : args));
  env.addFilter('count', (v: unknown) => (env.getFilter('length') as AnyFn)(v));
  env.addFilter('items', (v: unknown) => (v !== null && typeof v === 'object' ? Object.entries(v as object).map(markTuple) : []));
  env.addFilter('attr', (v: unknown, name: unknown) => (v === null || v === undefined ? undefined : (v as Record<string, unknown>)[String(name)]));
  for (const [name, pick] of [['min', (a: number, b: number) => a < b], ['max', (a: number, b: number) => a > b]] as const) {
    env.addFilter(name, (v: unknown, ...rest: unknown[]) => {
      const kwargs = rest.find((r) => r !== null && typeof r === 'object') as { attribute?: string } | undefined;
      const items = Array.isArray(v) ? v : typeof v === 'string' ? [...v] : [];
      const key = (x: unknown) => (kwargs?.attribute ? (x as Record<string, unknown>)?.[kwargs.attribute] : x) as number;
      return items.reduce((best: unknown, x) => (best === undefined || pick(key(x), key(best)) ? x : best), undefined);
    });
  }
  env.addTest('integer', (v: unknown) => typeof v === 'number' && Number.isInteger(v));
  env.addTest('float', (v: unknown) => isFloat(v));
  // Python's == (by value; 1.0 == 1), where nunjucks' tests compared with ===.
  for (const name of ['eq', 'equalto', '==']) env.addTest(name, (v: unknown, other: unknown) => pythonEquals(v, other));
  for (const name of ['ne', '!=']) env.addTest(name, (v: unknown, other: unknown) => !pythonEquals(v, other));
  env.addTest('true', (v: unknown) => v === true);
  env.addTest('false', (v: unknown) => v === false);
  env.addFilter('selectattr', attributeFilter(getTest, true));
  env.addFilter('rejectattr', attributeFilter(getTest, false));
  env.addGlobal(LOOP_FILTER, loopFilter);
  env.addGlobal(LOOP_ITEMS, loopItems);
  env.addGlobal(UNPACK, unpack);
  // Python's range (python-range.ts): nunjucks' looped forever past 2^53 and took a zero step as 1.
  env.addGlobal('range', pythonRange);
  env.addFilter('dictsort', dictsort);
  env.addFilter('groupby', groupby);
  env.addFilter('truncate', truncate);
  // dict(a=1, b=2), and dict(mapping) / dict(pairs) with keywords added.
  env.addGlobal('dict', (...args: unknown[]) => {
    const { positional, kwargs } = splitArgs(args);
    const first = positional[0];
    // Python's errors for what is not a list of pairs (JavaScript's said "not an entry object").
    const pairs = (first === undefined || isMapping(first) ? [] : pythonSequence(first)).map((pair, i) => {
      if (!Array.isArray(pair) && typeof pair !== 'string') throw new TypeError(`cannot convert dictionary update sequence element #${i} to a sequence`);
      const items = [...pair];
      if (items.length !== 2) throw new Error(`ValueError: dictionary update sequence element #${i} has length ${items.length}; 2 is required`);
      return items as [string, unknown];
    });
    const base = isMapping(first) ? first : Object.fromEntries(pairs);
    return { ...(base as object), ...kwargs };
  });
  env.addTest('none', (v: unknown) => v === null || v === undefined);
  env.addTest('string', (v: unknown) => typeof v === 'string');
  env.addTest('number', (v: unknown) => isNumber(v));
  env.addTest('boolean', (v: unknown) => typeof v === 'boolean');
  // A dict is a mapping; a float (an object here: python-float.ts), a date or a namespace is not.
  env.addTest('mapping', (v: unknown) => isMapping(v));
  env.addTest('sequence', (v: unknown) => Array.isArray(v) || typeof v === 'string');
  // What a for loop iterates as Python does (pythonSequence): lists, texts, dicts, iterables.
  env.addTest('iterable', (v: unknown) => isIterable(v));
  // `select` / `reject` without a test, and `is truthy`: Python's truth (an empty list is false, 0.0 too).
  env.addTest('truthy', (v: unknown) => pythonTruthy(v));
  env.addTest('falsy', (v: unknown) => !pythonTruthy(v));
  // The `in` operator's own meaning (`pythonIn`).
  env.addTest('in', (v: unknown, container: unknown) => pythonIn(v, container));
  env.addFilter('as_bool', (v: unknown) => (typeof v === 'string' ? ['true', '1', 'yes'].includes(v.toLowerCase()) : Boolean(v)));
  env.addFilter('as_number', (v: unknown) => Number(v));
  env.addFilter('as_text', (v: unknown) => (v === null || v === undefined ? '' : String(v)));
  env.addFilter('as_native', (v: unknown) => v);
  env.addFilter('tojson', (v: unknown, ...args: unknown[]) => {
    const indent = typeof args[0] === 'number' ? args[0] : (args[0] as { indent?: number } | undefined)?.indent;
    // Jinja's: keys sorted, HTML-safe (htmlsafe_json_dumps).
    return pythonJsonDumps(v, { indent: typeof indent === 'number' ? indent : undefined, sortKeys: true, htmlSafe: true });
  });
  env.addFilter('string', (v: unknown) => (v === null ? 'None' : pythonText(v)));
  // unique, case-insensitive for strings unless case_sensitive=true, as Jinja (the first spelling kept).
  env.addFilter('unique', (v: unknown[], ...args: unknown[]) => {
    const caseSensitive = args[0] === true || (args[0] as { case_sensitive?: unknown } | undefined)?.case_sensitive === true;
    const seen = new Set<unknown>();
    const out: unknown[] = [];
    for (const x of v ?? []) {
      // A float equals the int of its value (1.0 and 1 are one item, as in Python).
      const key = !caseSensitive && typeof x === 'string' ? x.toLowerCase() : x instanceof PyFloat ? x.value : x;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(x);
      }
    }
    return out;
  });
  env.addFilter('map', (v: unknown[], attr: unknown, ...args: unknown[]) => {
    // Jinja's `map(attribute='x', default=...)` and `map('replace', 'a', 'b')`-style filter calls.
    if (attr && typeof attr === 'object' && 'attribute' in (attr as object)) {
      const { attribute, default: fallback } = attr as { attribute: string; default?: unknown };
      return [...(v ?? [])].map((x) => attributeOf(x, attribute) ?? fallback);
    }
    const f = env.getFilter(String(attr)) as AnyFn;
    return [...(v ?? [])].map((x) => f(x, ...args));
  });
  // join(attribute=...), sum(attribute=..., start=...), as Jinja.
  const join = env.getFilter('join') as AnyFn;
  env.addFilter('join', (v: unknown, ...args: unknown[]) => {
    const { kwargs: kw } = splitArgs(args);
    const separator = typeof args[0] === 'string' ? args[0] : isNumber(args[0]) ? pythonText(args[0]) : kw['d'] ?? '';
    const items = pythonSequence(v);
    const attribute = typeof args[1] === 'string' ? args[1] : kw['attribute'];
    const values = attribute === undefined ? items : items.map((x) => attributeOf(x, String(attribute)));
    return join(values.map((x) => pythonText(x)), separator);
  });
  env.addFilter('sum', (v: unknown, ...args: unknown[]) => {
    const { kwargs: kw } = splitArgs(args);
    const attribute = typeof args[0] === 'string' ? args[0] : kw['attribute'];
    const start = isNumber(args[1]) ? args[1] : (kw['start'] as number | undefined) ?? 0;
    const items = Array.isArray(v) ? v : [];
    // Python's sum: a float as soon as one item (or the start) is one.
    return items.reduce((total: unknown, x) => pythonAdd(total, attribute === undefined ? x : attributeOf(x, String(attribute))), start);
  });
  // default(value, fallback, boolean=false): with boolean, any false value (an empty list too) takes the fallback.
  env.addFilter('default', (v: unknown, fallback: unknown = '', boolean: unknown = false) => (boolean === true ? (pythonTruthy(v) ? v : fallback) : v === undefined ? fallback : v));
  env.addFilter('d', (v: unknown, fallback: unknown = '', boolean: unknown = false) => (env.getFilter('default') as AnyFn)(v, fallback, boolean));
  // trim(chars), list of a mapping (its keys) or a string (its characters), as Python.
  const trim = env.getFilter('trim') as AnyFn;
  env.addFilter('trim', (v: unknown, chars?: unknown) => {
    const text = typeof v === 'string' ? v : pythonText(v);
    if (typeof chars !== 'string' || chars === '') return trim(text);
    const set = new Set(chars);
    let a = 0;
    let b = text.length;
    while (a < b && set.has(text[a]!)) a++;
    while (b > a && set.has(text[b - 1]!)) b--;
    return text.slice(a, b);
  });
  env.addFilter('list', (v: unknown) => [...pythonSequence(v)]);
}
