/**
 * `{% break %}` and `{% continue %}` inside `{% for %}`: Jinja2's loopcontrols extension, which
 * dbt enables (nunjucks had no such tags: "unknown template tag").
 *
 * The tags are extension calls that throw one of two sentinels. A loop whose body uses them (the
 * parser notes it: loop-targets.ts' parseFor calls `parseLoopBody`) gets its body wrapped in a
 * `StrataLoopBody` node, which the compiler turns into `try { body } catch` that stops or goes on
 * with the JavaScript loop around it, and template-interpreter.ts into the same catch; other loops
 * pay nothing. A tag outside any loop is a syntax error at its line, as in Jinja2.
 */
import nunjucks from 'nunjucks';

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' parser and compiler are untyped */

class LoopControl extends Error {}

/** Thrown by `{% break %}`; caught by the loop around it. */
export const LOOP_BREAK = new LoopControl("'break' outside of a for loop");
/** Thrown by `{% continue %}`; caught by the loop around it. */
export const LOOP_CONTINUE = new LoopControl("'continue' outside of a for loop");

const { nodes } = nunjucks as any;
/** A loop body that uses break or continue. */
const LoopBody = nodes.NodeList.extend('StrataLoopBody');

/** The extension of the two tags (`env.addExtension('loopcontrols', new LoopControls())`). */
export class LoopControls {
  tags = ['break', 'continue'];
  parse(parser: any, parserNodes: any): unknown {
    const tok = parser.nextToken();
    if (!parser.strataLoopDepth) parser.fail(`'${tok.value}' outside of a for loop`, tok.lineno, tok.colno);
    parser.strataLoopControls = true;
    parser.advanceAfterBlockEnd(tok.value);
    return new parserNodes.CallExtension(this, tok.value === 'break' ? 'breakLoop' : 'continueLoop', new parserNodes.NodeList(tok.lineno, tok.colno, []));
  }
  breakLoop(): never {
    throw LOOP_BREAK;
  }
  continueLoop(): never {
    throw LOOP_CONTINUE;
  }
}

/** Parses a loop's body with `parse`, wrapped in a LoopBody when it breaks or continues. */
export function parseLoopBody(parser: any, parse: () => any): any {
  const outer = parser.strataLoopControls;
  parser.strataLoopControls = false;
  parser.strataLoopDepth = (parser.strataLoopDepth ?? 0) + 1;
  try {
    const body = parse();
    return parser.strataLoopControls ? new LoopBody(body.lineno, body.colno, [body]) : body;
  } finally {
    parser.strataLoopDepth--;
    parser.strataLoopControls = outer;
  }
}

let installed = false;

export function installLoopControls(): void {
  if (installed) return;
  installed = true;
  (nunjucks as any).runtime.strataLoopBreak = LOOP_BREAK;
  (nunjucks as any).runtime.strataLoopContinue = LOOP_CONTINUE;
  // A macro's or a call block's body is a function of its own: a loop around its definition is
  // not one it can break out of (Jinja2 rejects that too).
  const parser = (nunjucks as any).parser.Parser.prototype;
  for (const method of ['parseMacro', 'parseCall']) {
    const parse = parser[method];
    parser[method] = function parseOutsideLoops(this: any, ...args: unknown[]) {
      const depth = this.strataLoopDepth;
      this.strataLoopDepth = 0;
      try {
        return parse.apply(this, args);
      } finally {
        this.strataLoopDepth = depth;
      }
    };
  }
  const proto = (nunjucks as any).compiler.Compiler.prototype;
  proto.compileStrataLoopBody = function compileLoopBody(this: any, node: any, frame: any) {
    const e = this._tmpid();
    const iterationFrame = this._tmpid();
    // A break from a nested loop's else (or any block that pushed a frame) skips that block's pop.
    this._emitLine(`var ${iterationFrame} = frame;`);
    this._emitLine('try {');
    this._compileChildren(node, frame);
    this._emitLine(`} catch (${e}) {`);
    this._emitLine(`frame = ${iterationFrame};`);
    this._emitLine(`if (${e} === runtime.strataLoopBreak) break;`);
    this._emitLine(`if (${e} !== runtime.strataLoopContinue) throw ${e};`);
    this._emitLine('}');
  };
}
