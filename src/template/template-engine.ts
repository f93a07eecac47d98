/**
 * One nunjucks environment configured like Jinja2 as dbt uses it (no autoescape, no trimming),
 * holding every project macro as a global, and rendering templates against a RenderState.
 *
 * Errors come out as StrataError('TEMPLATE' | the cause's code) with the file, 1-based line and
 * column of the offending expression, so the CLI can print a code frame.
 */
import nunjucks from 'nunjucks';
import { StrataError, type SourceLocation } from '../errors/strata-error.js';
import { didYouMean } from '../graph/did-you-mean.js';
import { installContextGlobals, MacroReturn, perRunTexts, printLogs, setInvocation, setLogSink } from './context-globals.js';
import { extraArguments, macroArgumentProblem } from './macro-arguments.js';
import { addJinjaFiltersAndTests, installJinjaCompat } from './jinja-compat.js';
import { hasMaterialization, lineColumnAt, PRIVATE_PREFIX, rewriteMacroFile, type MacroSignature } from './macro-source.js';
import { currentState, withState, type RenderState } from './render-state.js';
import { isContextFunction, renderStatic, scanStatic, type StaticCallError } from './static-render.js';
import { interpretTemplate } from './template-interpreter.js';
import { unbalancedTagError } from './unclosed-tags.js';

export interface MacroFile {
  file: string;
  text: string;
}

export interface LoadedMacro extends MacroSignature {
  file: string;
}

type AnyFn = (...args: unknown[]) => unknown;

export class TemplateEngine {
  readonly env: nunjucks.Environment;
  readonly #macros = new Map<string, LoadedMacro>();
  readonly #globals: Record<string, unknown>;
  /**
   * Templates by file, interpreted (template-interpreter.ts) when they can be, else compiled; made
   * again when the text differs.
   */
  readonly #templates = new Map<string, { text: string; template: nunjucks.Template; interpreted: boolean }>();
  /** The macro files' text, to find the line of a call made inside a macro. */
  readonly #macroTexts = new Map<string, string>();
  /** The macros running, innermost last: a wrong call made inside one is reported in its file. */
  readonly #running: LoadedMacro[] = [];
  /**
   * Jinja2's `varargs` and `kwargs` of the macro calls running that read them, innermost last:
   * nunjucks drops a call's extra arguments, so the wrapper collects them and the two names are
   * globals reading the innermost call's (a macro body looks up a name it does not set there).
   */
  readonly #variadic: Array<{ varargs: unknown[]; kwargs: Record<string, unknown> }> = [];

  constructor(readonly projectName: string) {
    installJinjaCompat();
    // dev: true keeps nunjucks from re-wrapping errors into a bare Error, which would drop the
    // line, column and the original cause (our StrataError) that we need for messages.
    this.env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false, dev: true });
    addJinjaFiltersAndTests(this.env);
    this.#globals = (this.env as unknown as { globals: Record<string, unknown> }).globals;
    installContextGlobals(this.#globals, (name) => (this.#macros.has(name) ? this.#globals[name] : undefined), projectName);
    const variadic = this.#variadic;
    for (const name of ['varargs', 'kwargs'] as const) {
      Object.defineProperty(this.#globals, name, { get: () => variadic[variadic.length - 1]?.[name], enumerable: true, configurable: true });
    }
  }

  get macros(): ReadonlyMap<string, LoadedMacro> {
    return this.#macros;
  }

  /** The run's id and start, for `invocation_id` and `run_started_at` (context-globals.ts). */
  setInvocation(run: { invocationId: string; runStartedAt: Date }): void {
    setInvocation(this.#globals, run);
  }

  /** The texts `invocation_id` and `run_started_at` have printed so far (context-globals.ts). */
  perRunTexts(): Array<{ name: string; value: string }> {
    return perRunTexts(this.#globals);
  }

  /** Where `log(msg, info=True)`, print() and exceptions.warn() print (a run's output); undefined: nowhere. */
  setLogSink(sink: ((message: string) => void) | undefined): void {
    setLogSink(this.#globals, sink);
  }

  /** Compiles macro files and installs their macros as globals. Returns every error found. */
  loadMacros(files: MacroFile[]): StrataError[] {
    const errors: StrataError[] = [];
    const namespace: Record<string, unknown> = {};
    for (const { file, text } of files) {
      if (hasMaterialization(text)) {
        errors.push(new StrataError('TEMPLATE', 'custom materializations ({% materialization %}) are not supported', {
          location: { file, line: 0, column: 0 },
          hint: 'use the built-in materializations: view, table, incremental, ephemeral',
        }));
        continue;
      }
      const { text: rewritten, signatures } = rewriteMacroFile(text);
      this.#macroTexts.set(file, text);
      let exported: Record<string, unknown>;
      try {
        exported = this.#exports(file, rewritten);
      } catch (e) {
        errors.push(this.toStrataError(e, file, text));
        continue;
      }
      for (const sig of signatures) {
        const existing = this.#macros.get(sig.name);
        if (existing) {
          errors.push(new StrataError('DUPLICATE', `macro '${sig.name}' is defined twice`, {
            location: { file, line: sig.line, column: sig.column },
            details: [`first definition: ${existing.file}:${existing.line}`, `second definition: ${file}:${sig.line}`],
            hint: 'rename one of them',
          }));
          continue;
        }
        const fn = exported[PRIVATE_PREFIX + sig.name] as AnyFn | undefined;
        if (!fn) continue;
        const macro = { ...sig, file };
        this.#macros.set(sig.name, macro);
        this.#globals[sig.name] = this.#wrapMacro(macro, fn);
        namespace[sig.name] = this.#globals[sig.name];
      }
    }
    // dbt lets `my_project.my_macro()` call a macro through its package name.
    if (!(this.projectName in this.#globals)) this.#globals[this.projectName] = namespace;
    return errors;
  }

  #exports(file: string, text: string): Record<string, unknown> {
    const template = new nunjucks.Template(text, this.env, file, true);
    let result: Record<string, unknown> = {};
    let failure: unknown;
    // getExported is public nunjucks API missing from @types/nunjucks.
    (template as unknown as { getExported(ctx: object, cb: (err: unknown, exported: Record<string, unknown>) => void): void }).getExported({}, (err: unknown, exported: Record<string, unknown>) => {
      if (err) failure = err;
      else result = exported;
    });
    if (failure) throw failure;
    return result;
  }

  #template(file: string, text: string): { template: nunjucks.Template; interpreted: boolean } {
    const cached = this.#templates.get(file);
    if (cached && cached.text === text) return cached;
    const interpreted = interpretTemplate(text, this.env, file);
    const entry = { text, template: interpreted ?? new nunjucks.Template(text, this.env, file, true), interpreted: !!interpreted };
    this.#templates.set(file, entry);
    return entry;
  }

  /**
   * Renders with the file's template. An interpreted one that fails is followed by the compiled
   * one, so that the error and its position are nunjucks' own (it fails the same way; the state
   * this leaves does not matter, since the render fails).
   */
  #renderTemplate(file: string, text: string, source: string): string {
    const logs = currentState().logs;
    const mark = logs.length;
    let interpreted = false;
    try {
      const entry = this.#template(file, text);
      interpreted = entry.interpreted;
      return entry.template.render({});
    } catch (e) {
      if (!interpreted) throw this.toStrataError(e, file, source);
    }
    logs.length = mark; // the compiled render logs again what the interpreted one did
    const compiled = new nunjucks.Template(text, this.env, file, true);
    this.#templates.set(file, { text, template: compiled, interpreted: false });
    try {
      return compiled.render({});
    } catch (e) {
      throw this.toStrataError(e, file, source);
    }
  }

  /**
   * Renders `text` with the given state. Files that only call ref/source/config/var with literal
   * arguments take the static fast path; the result is the same either way.
   */
  render(file: string, text: string, state: RenderState): string {
    const mark = state.logs.length;
    try {
      return this.#render(file, text, state, mark);
    } finally {
      printLogs(this.#globals, state.logs, mark);
    }
  }

  #render(file: string, text: string, state: RenderState, mark: number): string {
    return withState(state, () => {
      const scan = scanStatic(text, this.#isMacro);
      if (scan) {
        try {
          return renderStatic(text, scan, (call) => (this.#globals[call.fn] as AnyFn)(...call.args));
        } catch (e) {
          // An error raised inside a macro is reported as nunjucks reports it (its position is
          // nunjucks' own): render the file with nunjucks, which fails the same way. The state
          // this leaves does not matter, since the render fails.
          if (scan.calls.some((c) => !isContextFunction(c.fn))) {
            state.logs.length = mark;
            this.#renderWithNunjucks(file, text);
          }
          const s = (e as { staticError?: StaticCallError }).staticError;
          if (s) throw this.#causeToError(s.error, file, s.line, s.column);
          throw e;
        }
      }
      return this.#renderWithNunjucks(file, text);
    });
  }

  readonly #isMacro = (name: string): boolean => this.#macros.has(name);

  #renderWithNunjucks(file: string, text: string): string {
    return this.#renderTemplate(file, text, text);
  }

  /** Calls a macro (or context function) from TypeScript with keyword arguments, as a template would. */
  callMacro(name: string, kwargs: Record<string, unknown>, state: RenderState, file: string): unknown {
    const fn = this.#globals[name] as AnyFn | undefined;
    if (typeof fn !== 'function') throw new StrataError('TEMPLATE', `'${name}' is not a known macro`, { location: { file, line: 0, column: 0 } });
    return withState(state, () => {
      try {
        return fn({ ...kwargs, __keywords: true });
      } catch (e) {
        throw this.toStrataError(e, file, '');
      }
    });
  }

  /** Calls a context function (`ref`, `source`, ...) with positional arguments inside `state`. */
  callGlobal(name: 'ref' | 'source' | 'config' | 'var', args: unknown[], state: RenderState): unknown {
    return withState(state, () => (this.#globals[name] as AnyFn)(...args));
  }

  /** Renders a template expression such as `ref('x')` from a property file; returns its value. */
  evaluate(file: string, expression: string, state: RenderState): unknown {
    return withState(state, () => {
      const holder: { value?: unknown } = {};
      this.#globals['__strata_capture'] = (v: unknown) => {
        holder.value = v;
        return '';
      };
      this.#renderTemplate(`${file}#${expression}`, `{{ __strata_capture(${expression}) }}`, expression);
      return holder.value;
    });
  }

  #causeToError(cause: unknown, file: string, line: number, column: number): StrataError {
    if (cause instanceof StrataError) {
      return new StrataError(cause.code, cause.message, {
        location: cause.location ?? { file, line, column },
        ...(cause.hint ? { hint: cause.hint } : {}),
        ...(cause.nodeId ? { nodeId: cause.nodeId } : {}),
        cause,
      });
    }
    const message = cause instanceof Error ? cause.message : String(cause);
    return new StrataError('TEMPLATE', message, { location: { file, line, column }, cause });
  }

  /** What is wrong with the syntax of `text`, if anything, found by compiling it without rendering. */
  syntaxError(file: string, text: string): StrataError | undefined {
    try {
      new nunjucks.Template(text, this.env, file, true);
      return undefined;
    } catch (e) {
      return this.toStrataError(e, file, text);
    }
  }

  /** Turns a nunjucks error (parse or render) into a StrataError with a precise location. */
  toStrataError(e: unknown, file: string, text: string): StrataError {
    if (e instanceof StrataError) return e;
    const err = e as { message?: string; lineno?: number; colno?: number; cause?: unknown };
    const isRuntime = err.cause !== undefined;
    // nunjucks reports parse errors 1-based and runtime positions 0-based.
    let line = (err.lineno ?? 0) + (isRuntime ? 1 : 0);
    let column = (err.colno ?? 0) + (isRuntime ? 1 : 0);
    // A block left open, an end tag for another block, a `{%` without `%}`: nunjucks says so at
    // the end of the file (no line) or at the end tag; the scan names the tag to fix and its line.
    const unbalanced = unbalancedTagError(String(err.message ?? ''), text, file);
    if (unbalanced) return unbalanced;
    if (err.cause instanceof MacroReturn) {
      return new StrataError('TEMPLATE', 'return() called outside a macro', { location: { file, line, column } });
    }
    if (err.cause !== undefined && !/Unable to call/.test(String((err.cause as Error)?.message))) {
      return this.#causeToError(err.cause, file, line, column);
    }
    const raw = String(err.message ?? e).replace(/^\([^)]*\)(?: \[Line \d+(?:, Column \d+)?\])?\s*/, '').replace(/^Error: /, '').trim();
    const unknownCall = /Unable to call `([^`]+)`/.exec(raw);
    if (unknownCall) {
      const name = unknownCall[1]!;
      const at = locateCall(text, name);
      if (at) ({ line, column } = at);
      const suggestion = didYouMean(name.split('["')[0]!, [...Object.keys(this.#globals)].filter((k) => !k.startsWith('__')));
      return new StrataError('TEMPLATE', `'${name.replace(/\["([^"]+)"\]/g, '.$1')}' is not a known function or macro`, {
        location: { file, line, column },
        hint: suggestion ? `did you mean '${suggestion}'?` : 'define it as a macro under macros/, or check the spelling',
      });
    }
    const blockTag = /unknown block tag: (\w+)/.exec(raw);
    return new StrataError('TEMPLATE', blockTag ? `unknown template tag '{% ${blockTag[1]} %}'` : raw, {
      location: { file, line, column },
      ...(blockTag ? { hint: 'check the spelling and that every {% if %}/{% for %}/{% macro %} has its matching end tag' } : {}),
    });
  }

  /**
   * A macro as templates call it: records the call, answers a unit test's override, checks the
   * arguments as Jinja2 does (macro-arguments.ts), gives a body reading `varargs` / `kwargs` its
   * extra arguments, and turns `return()` into the call's value.
   */
  #wrapMacro(macro: LoadedMacro, fn: AnyFn): AnyFn {
    const running = this.#running;
    const variadic = this.#variadic;
    const argumentError = (problem: { message: string; hint?: string }) => this.#argumentError(macro, problem);
    return function wrapped(this: unknown, ...args: unknown[]) {
      const state = currentState();
      state.macrosCalled.add(macro.name);
      if (state.macroOverrides && macro.name in state.macroOverrides) return state.macroOverrides[macro.name];
      const problem = macroArgumentProblem(macro, args);
      if (problem) throw argumentError(problem);
      const reads = macro.uses.varargs || macro.uses.kwargs;
      if (reads) variadic.push(extraArguments(macro, args));
      running.push(macro);
      try {
        return fn.apply(this, args);
      } catch (e) {
        if (e instanceof MacroReturn) return e.value;
        throw e;
      } finally {
        running.pop();
        if (reads) variadic.pop();
      }
    };
  }

  /**
   * A wrong call of `macro`. Made by another macro, it is located at the call in that macro's body
   * (nunjucks would give the line of the outermost call, in the file being rendered); made by the
   * file being rendered, nunjucks' position of the call is the place.
   */
  #argumentError(macro: LoadedMacro, problem: { message: string; hint?: string }): StrataError {
    const caller = this.#running[this.#running.length - 1];
    const location = caller && this.#callInMacro(caller, macro.name);
    const defined = `${macro.name}(${macro.argNames.join(', ')}) is defined at ${macro.file}:${macro.line}`;
    return new StrataError('TEMPLATE', problem.message, { ...(location ? { location } : {}), hint: problem.hint ? `${problem.hint} ${defined}` : defined });
  }

  /** Where `caller`'s own body (up to the next macro of its file) calls `name`, if it does. */
  #callInMacro(caller: LoadedMacro, name: string): SourceLocation | undefined {
    const text = this.#macroTexts.get(caller.file);
    if (text === undefined) return undefined;
    // Just past the `{` of its own `{% macro`, so that tag is not taken for the next macro's.
    const from = lineStart(text, caller.line) + caller.column;
    const next = /\{%-?\s*(?:macro|test)\s/g;
    next.lastIndex = from;
    const end = next.exec(text)?.index ?? text.length;
    const call = new RegExp(`(?<![A-Za-z0-9_])${name}\\s*\\(`, 'g');
    call.lastIndex = from;
    const found = call.exec(text);
    return found && found.index < end ? { file: caller.file, ...lineColumnAt(text, found.index) } : undefined;
  }
}

/** The offset where 1-based `line` of `text` starts. */
function lineStart(text: string, line: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) break;
    offset = next + 1;
  }
  return offset;
}

function locateCall(text: string, name: string): { line: number; column: number } | undefined {
  const simple = name.replace(/\["([^"]+)"\]/g, '.$1');
  const re = new RegExp(`(?<![A-Za-z0-9_])${simple.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\(`);
  const m = re.exec(text);
  return m ? lineColumnAt(text, m.index) : undefined;
}
