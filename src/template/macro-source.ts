/**
 * Rewrites macro files so that nunjucks can run dbt's macro dialect:
 *
 * - `{% test name(model, column_name) %}...{% endtest %}` (generic test definitions) becomes a
 *   macro named `test_name`, as dbt stores it;
 * - every macro is renamed to a private name inside its own file. A call from one macro to another
 *   in the same file then resolves through the global table of *wrapped* macros instead of the
 *   file's local binding, so `{{ return(...) }}` works whichever file the callee is in.
 *
 * Rewrites keep line numbers intact (nothing adds or removes a newline).
 */

// No leading underscore: nunjucks does not export macros whose names start with one.
export const PRIVATE_PREFIX = 'strata_private_macro__';

export interface MacroSignature {
  name: string;
  isTest: boolean;
  argNames: string[];
  /**
   * Whether the body names Jinja's `varargs`, `kwargs`, `caller`: as in Jinja2, such a macro takes
   * extra positional arguments, extra keyword arguments, a `{% call %}` block (macro-arguments.ts).
   * Read from the text up to the next macro, so a mention anywhere there counts (lenient).
   */
  uses: { varargs: boolean; kwargs: boolean; caller: boolean };
  /** 1-based position of the `{%` that opens the definition. */
  line: number;
  column: number;
}

const MACRO_OPEN = /\{%(-?)\s*(macro|test)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;
const TEST_CLOSE = /\{%(-?)\s*endtest\s*(-?)%\}/g;
const MATERIALIZATION = /\{%-?\s*materialization\s/;

export function lineColumnAt(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: index - lineStart + 1 };
}

/** Argument names of a signature starting right after the opening parenthesis. */
function readArgNames(text: string, from: number): string[] {
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  const parts: string[] = [];
  for (let i = from; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote && text[i - 1] !== '\\') quote = undefined;
      current += ch;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) break;
      depth--;
    } else if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) parts.push(current);
  return parts.map((p) => p.split('=')[0]!.trim()).filter((p) => p !== '');
}

export function hasMaterialization(text: string): boolean {
  return MATERIALIZATION.test(text);
}

/** Which of Jinja's special names a macro body mentions. */
function specialNames(body: string): MacroSignature['uses'] {
  return { varargs: /\bvarargs\b/.test(body), kwargs: /\bkwargs\b/.test(body), caller: /\bcaller\b/.test(body) };
}

export function rewriteMacroFile(text: string): { text: string; signatures: MacroSignature[] } {
  const signatures: MacroSignature[] = [];
  const opens = [...text.matchAll(MACRO_OPEN)].map((m) => m.index);
  let index = 0;
  const rewritten = text.replace(MACRO_OPEN, (match, dash: string, kind: string, name: string, offset: number) => {
    const isTest = kind === 'test';
    const fullName = isTest ? `test_${name}` : name;
    const { line, column } = lineColumnAt(text, offset);
    const body = text.slice(offset + match.length, opens[++index] ?? text.length);
    signatures.push({ name: fullName, isTest, argNames: readArgNames(text, offset + match.length), uses: specialNames(body), line, column });
    return `{%${dash} macro ${PRIVATE_PREFIX}${fullName}(`;
  });
  return { text: rewritten.replace(TEST_CLOSE, (_m, a: string, b: string) => `{%${a} endmacro ${b}%}`), signatures };
}
