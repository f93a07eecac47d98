/**
 * A macro's caller gets its own frame back however the macro ends.
 *
 * nunjucks' generated macro function switches the template function's `frame` variable to the
 * macro's own frame on entry and back to the caller's on its last line. dbt's `return()` ends a
 * macro by throwing (context-globals.ts' MacroReturn, caught by the macro wrapper in
 * template-engine.ts), which skipped that line: after `{% set y = other_macro() %}`, a macro of
 * the same file went on with the other macro's frame, so its own `{% set %}` variables printed as
 * nothing (silently other SQL), and a loop over such a call (`{% for s in statuses() %}`) lost its
 * enclosing frame. The body now runs in `try { ... } finally { frame = callerFrame; }`.
 *
 * A `{% call %}` body is such a function too, run when the macro calls `caller()`: it now starts
 * from the frame where it is written, as in Jinja2, not from the called macro's.
 */
import nunjucks from 'nunjucks';
import { scopeFrame } from './loop-scope.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' compiler is untyped */
let installed = false;

export function installMacroFrames(): void {
  if (installed) return;
  installed = true;
  const proto = (nunjucks as any).compiler.Compiler.prototype;
  const compileMacro = proto._compileMacro;
  proto._compileMacro = function compileMacroRestoringFrame(this: any, node: any, frame: any) {
    const start = this.codebuf.length;
    // A call block's body is a scope of its own (loop-scope.ts): a set there of the enclosing
    // macro's argument or loop variable is not seen after the block.
    const scope = frame === undefined ? undefined : scopeFrame(frame);
    const funcId = compileMacro.call(this, node, scope);
    const buf: string[] = this.codebuf;
    const entry = buf.indexOf('var callerFrame = frame;\n', start);
    const end = buf.length;
    const restore = buf[end - 3];
    const switched = buf[entry + 1];
    if (entry < 0 || (switched !== 'frame = new runtime.Frame();\n' && switched !== 'frame = frame.push(true);\n')
      || (restore !== 'frame = callerFrame;\n' && restore !== 'frame = frame.pop();\n') || !buf[end - 2]!.startsWith('return new runtime.SafeString(')) {
      throw new Error('strata: nunjucks generated an unexpected macro (macro-frames.ts needs updating for this nunjucks version)');
    }
    if (switched === 'frame = frame.push(true);\n') {
      // A `{% call %}` body (a macro that keeps a frame): its variables are those where it is
      // written, not those of the macro that calls `caller()` (a macro of the same file has
      // switched the shared `frame` to its own by then).
      const defined = this._tmpid();
      buf[start] = `var ${defined} = frame;\n${buf[start]}`;
      buf[entry + 1] = `frame = ${defined}.push(true);\n${scope.strataScope.join('')}try {\n`;
    } else {
      buf[entry + 1] = `${switched}try {\n`;
    }
    buf[end - 3] = '} finally {\nframe = callerFrame;\n}\n';
    return funcId;
  };
}
