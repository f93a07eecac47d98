/**
 * The fast path (dbt's "static parser" idea): most model files use templating only for
 * `{{ ref('x') }}`, `{{ source('a', 'b') }}`, `{{ config(k='v') }}` and `{{ var('x') }}` with literal
 * arguments, or call a project macro with literal arguments (`{{ cents_to_dollars('amount') }}`).
 * For those, running nunjucks (lex, parse, generate JavaScript, let V8 compile it, render) costs
 * ~0.5 ms a file; here we recognise the calls with a small tokenizer and invoke the *same* context
 * functions and compiled macros nunjucks would, so the result and everything recorded are identical.
 *
 * Anything else (`{% ... %}`, whitespace control, filters, other functions, expressions) returns
 * undefined and the caller uses nunjucks.
 */
import { lineColumnAt } from './macro-source.js';
import { pythonStr } from './python-repr.js';
import { toFloat } from './python-float.js';
import { pythonUnescape } from './literal-syntax.js';

export interface StaticCall {
  /** A context function, or a project macro (see `scanStatic`). */
  fn: string;
  args: unknown[];
  start: number;
  end: number;
}

const FUNCTIONS = new Set(['ref', 'source', 'config', 'var']);
const TOKEN = /\s*(?:('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([()[\],=]))/y;

type Token = { kind: 'str' | 'num' | 'name' | 'punct'; value: string };

function tokenize(expr: string): Token[] | undefined {
  const tokens: Token[] = [];
  // Up to trailing whitespace (trimEnd removes exactly what \s matches): what is left there holds
  // a token, as it used to be asked of the rest of the text at each step.
  const end = expr.trimEnd().length;
  let pos = 0;
  while (pos < end) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(expr);
    if (!m) return undefined;
    pos = TOKEN.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'str', value: unescape(m[1]) });
    else if (m[2] !== undefined) tokens.push({ kind: 'num', value: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: 'name', value: m[3] });
    else tokens.push({ kind: 'punct', value: m[4]! });
  }
  return tokens;
}

function unescape(quoted: string): string {
  return pythonUnescape(quoted.slice(1, -1));
}

const CONSTANTS: Record<string, unknown> = { true: true, True: true, false: false, False: false, none: null, None: null };

/** Parses a literal: string, number, constant, or list of literals. Returns [value, nextIndex]. */
function parseLiteral(t: Token[], i: number): [unknown, number] | undefined {
  const tok = t[i];
  if (!tok) return undefined;
  if (tok.kind === 'str') return [tok.value, i + 1];
  if (tok.kind === 'num') {
    // `2.0` is a float (python-float.ts), as nunjucks' path reads it.
    if (tok.value.includes('.')) return [toFloat(Number(tok.value)), i + 1];
    // An int past 2^53 is left to nunjucks' path, which takes it only when a double holds it
    // exactly and otherwise fails (literal-syntax.ts), rather than read as a neighbouring number.
    const n = Number(tok.value);
    return Number.isSafeInteger(n) ? [n, i + 1] : undefined;
  }
  if (tok.kind === 'name' && tok.value in CONSTANTS) return [CONSTANTS[tok.value], i + 1];
  if (tok.kind === 'punct' && tok.value === '[') {
    const items: unknown[] = [];
    let j = i + 1;
    while (t[j] && !(t[j]!.kind === 'punct' && t[j]!.value === ']')) {
      const item = parseLiteral(t, j);
      if (!item) return undefined;
      items.push(item[0]);
      j = item[1];
      if (t[j]?.kind === 'punct' && t[j]!.value === ',') j++;
      else if (!(t[j]?.kind === 'punct' && t[j]!.value === ']')) return undefined;
    }
    return t[j] ? [items, j + 1] : undefined;
  }
  return undefined;
}

export function isContextFunction(name: string): name is 'ref' | 'source' | 'config' | 'var' {
  return FUNCTIONS.has(name);
}

/**
 * `fn(literal, ..., key=literal, ...)` → the call, or undefined when not of that shape; `fn` one of
 * the context functions, or a name `isMacro` accepts.
 */
export function parseStaticCall(expr: string, isMacro?: (name: string) => boolean): Omit<StaticCall, 'start' | 'end'> | undefined {
  const t = tokenize(expr);
  if (!t || t.length < 3) return undefined;
  const [name, open] = t;
  if (name!.kind !== 'name' || !(FUNCTIONS.has(name!.value) || isMacro?.(name!.value)) || open!.value !== '(') return undefined;
  const args: unknown[] = [];
  const kwargs: Record<string, unknown> = {};
  let i = 2;
  while (i < t.length && !(t[i]!.kind === 'punct' && t[i]!.value === ')')) {
    if (t[i]!.kind === 'name' && t[i + 1]?.value === '=') {
      const v = parseLiteral(t, i + 2);
      if (!v) return undefined;
      kwargs[t[i]!.value] = v[0];
      i = v[1];
    } else {
      if (Object.keys(kwargs).length) return undefined; // positional after keyword
      const v = parseLiteral(t, i);
      if (!v) return undefined;
      args.push(v[0]);
      i = v[1];
    }
    if (t[i]?.value === ',') i++;
    else if (t[i]?.value !== ')') return undefined;
  }
  if (i !== t.length - 1) return undefined;
  if (Object.keys(kwargs).length) args.push({ ...kwargs, __keywords: true });
  return { fn: name!.value, args };
}

/**
 * Finds every `{{ ... }}` of a file; undefined when the file needs the full template engine.
 * `isMacro`: which other names are macros that may be called with literal arguments.
 */
export function scanStatic(text: string, isMacro?: (name: string) => boolean): { calls: StaticCall[]; comments: Array<[number, number]> } | undefined {
  if (text.includes('{%')) return undefined;
  const calls: StaticCall[] = [];
  const comments: Array<[number, number]> = [];
  let pos = 0;
  for (;;) {
    const expr = text.indexOf('{{', pos);
    const comment = text.indexOf('{#', pos);
    if (expr === -1 && comment === -1) break;
    if (comment !== -1 && (expr === -1 || comment < expr)) {
      const end = text.indexOf('#}', comment + 2);
      if (end === -1 || text[comment + 2] === '-' || text[end - 1] === '-') return undefined;
      comments.push([comment, end + 2]);
      pos = end + 2;
      continue;
    }
    const end = text.indexOf('}}', expr + 2);
    if (end === -1) return undefined;
    const inner = text.slice(expr + 2, end);
    if (inner.startsWith('-') || inner.endsWith('-') || inner.includes('{')) return undefined;
    const call = parseStaticCall(inner, isMacro);
    if (!call) return undefined;
    calls.push({ ...call, start: expr, end: end + 2 });
    pos = end + 2;
  }
  return { calls, comments };
}

export interface StaticCallError {
  error: unknown;
  line: number;
  column: number;
}

/**
 * Renders a scanned file by calling `invoke` for each call in order (the same global functions
 * nunjucks would call), each value printed as the engine prints it (Python's str(), python-repr.ts).
 */
export function renderStatic(
  text: string,
  scan: NonNullable<ReturnType<typeof scanStatic>>,
  invoke: (call: StaticCall) => unknown,
): string {
  const cuts = [
    ...scan.calls.map((c) => ({ start: c.start, end: c.end, call: c as StaticCall | undefined })),
    ...scan.comments.map(([start, end]) => ({ start, end, call: undefined })),
  ].sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  for (const cut of cuts) {
    out += text.slice(pos, cut.start);
    if (cut.call) {
      let value: unknown;
      try {
        value = invoke(cut.call);
      } catch (error) {
        const at = lineColumnAt(text, cut.start);
        throw Object.assign(new Error('static render error'), { staticError: { error, line: at.line, column: at.column } });
      }
      out += String(pythonStr(value));
    }
    pos = cut.end;
  }
  return out + text.slice(pos);
}
