/**
 * Jinja2's `for` scoping and the `loop` variable's members that nunjucks lacks.
 *
 * Scope. In Jinja2 each iteration of a loop body is a scope of its own: `{% set %}` inside it
 * assigns for that iteration only, and nothing set in the body (or in the loop's `else`) is seen
 * after the loop. nunjucks pushes one frame for the whole loop and its `set` writes into the
 * frame that already holds the name, so a set leaked into the next iteration and out of the loop:
 *
 *     {% set total = 0 %}{% for x in [1, 2, 3] %}{% set total = total + x %}{% endfor %}{{ total }}
 *
 * printed 6 where dbt prints 0 (the documented Jinja pitfall; `namespace()` is the way to carry a
 * value out of a loop, and works here as in Jinja). Here the loop's frame isolates writes and each
 * iteration starts from a new frame under the frame outside the loop, before the loop variables
 * and `loop.*` are set in it. template-interpreter.ts does the same.
 *
 * The body of `{% set x %}...{% endset %}` and of `{% filter %}` is a scope of its own too, as in
 * Jinja2: a set inside it is not seen after it.
 *
 * `loop` members (Jinja2's LoopContext): `previtem` and `nextitem` (undefined at the ends),
 * `cycle(a, b, ...)`, `changed(value, ...)` (true when the values differ from its previous call in
 * this run of the loop), and `depth` / `depth0` (always 1 / 0: nunjucks has no recursive loops, and
 * a loop nested in another is a loop of depth 1 in Jinja2 too).
 */
import nunjucks from 'nunjucks';
import { pythonEquals } from './python-operators.js';
import { markTuple } from './python-repr.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' compiler and Frame are untyped */

/**
 * One run of a loop: what the `loop.*` members of its iterations read. Made once a run (the item
 * list of a mapping is taken once, not per iteration), with `changed`'s state and one `cycle`
 * that reads the iteration being run (`index`, as Jinja2's LoopContext reads its own).
 */
export interface LoopRun {
  /** The iteration being run (index0). */
  index: number;
  /** The item at `index` of what the loop iterates (a (key, value) tuple of a mapping), or undefined. */
  item(index: number): unknown;
  cycle: (...values: unknown[]) => unknown;
  changed: (...values: unknown[]) => boolean;
}

/** One run of a loop's `loop.changed`: remembers the values of its last call. */
function loopChanged(): (...values: unknown[]) => boolean {
  let last: unknown[] | undefined;
  return (...values: unknown[]) => {
    if (last !== undefined && last.length === values.length && values.every((v, i) => pythonEquals(v, last![i]))) return false;
    last = values;
    return true;
  };
}

/** A new run of a loop over `items`. Its functions are anonymous, as they print (`<function <lambda>>`). */
export function loopRun(items: unknown): LoopRun {
  const run = { index: 0 } as LoopRun;
  let keys: string[] | undefined;
  run.item = (index: number): unknown => {
    if (index < 0) return undefined;
    if (Array.isArray(items) || typeof items === 'string') return index < items.length ? items[index] : undefined;
    if (items !== null && typeof items === 'object') {
      keys ??= Object.keys(items);
      const key = keys[index];
      return key === undefined ? undefined : markTuple([key, (items as Record<string, unknown>)[key]]);
    }
    return undefined;
  };
  run.cycle = (...values: unknown[]) => {
    if (!values.length) throw new TypeError('no items for cycling given');
    return values[run.index % values.length];
  };
  run.changed = loopChanged();
  return run;
}

/**
 * The members nunjucks does not set, for iteration `index` of `run`. They go in the `loop` object
 * nunjucks' own `frame.set("loop.index", ...)` made in this iteration's frame just before (what
 * `frame.set("loop.previtem", ...)` would write to, without splitting the names).
 */
export function setLoopExtras(frame: any, run: LoopRun, index: number): void {
  run.index = index;
  const loop = frame.variables.loop;
  loop.previtem = run.item(index - 1);
  loop.nextitem = run.item(index + 1);
  loop.cycle = run.cycle;
  loop.changed = run.changed;
  loop.depth = 1;
  loop.depth0 = 0;
}

/**
 * A compile-time frame that bounds a scope (a loop body, a block, a call block's body): a `set`
 * inside of a name kept in a JavaScript variable outside gets a shadow there, whose
 * initialisation (`var t_9 = l_x;`) its list collects for the scope's start.
 */
export function scopeFrame(frame: any): any {
  const scope = frame.push();
  scope.strataScope = [];
  return scope;
}

let installed = false;

export function installLoopScope(): void {
  if (installed) return;
  installed = true;
  const runtime = (nunjucks as any).runtime;
  runtime.strataLoopExtras = setLoopExtras;
  runtime.strataLoopRun = loopRun;
  const proto = (nunjucks as any).compiler.Compiler.prototype;

  const emitLoopBindings = proto._emitLoopBindings;
  proto._emitLoopBindings = function emitJinjaLoopBindings(this: any, node: any, arr: string, i: string, len: string) {
    emitLoopBindings.call(this, node, arr, i, len);
    // A `var` is function-wide in the generated code: it keeps this run's state from one
    // iteration to the next, and a new run of the loop (i is 0 again) starts a new one.
    const run = this._tmpid();
    this._emitLine(`var ${run} = ${i} === 0 || !${run} ? runtime.strataLoopRun(${arr}) : ${run};`);
    this._emitLine(`runtime.strataLoopExtras(frame, ${run}, ${i});`);
  };

  // Names the generated code keeps in JavaScript variables (a macro's arguments, a loop's
  // variables) are assigned there by `set`, not in a frame: inside a loop body or a block, a set
  // of such a name bound outside it assigns a variable of the scope's own instead (a "shadow"),
  // which starts as the outer value in each iteration and each run of the block.
  const compileSet = proto.compileSet;
  proto.compileSet = function compileScopedSet(this: any, node: any, frame: any) {
    for (const target of node.targets) {
      if (target?.typename !== 'Symbol') continue;
      const name: string = target.value;
      let scope: any;
      for (let f = frame; f; f = f.parent) {
        if (f.variables[name] !== undefined) break;
        if (f.strataScope) {
          scope = f;
          break;
        }
      }
      const outer = scope?.parent?.lookup(name);
      if (outer === undefined || outer === null) continue;
      const shadow = this._tmpid();
      scope.set(name, shadow);
      scope.strataScope.push(`var ${shadow} = ${outer};\n`);
    }
    return compileSet.call(this, node, frame);
  };

  const compileCapture = proto.compileCapture;
  proto.compileCapture = function compileScopedCapture(this: any, node: any, frame: any) {
    const start = this.codebuf.length;
    const scope = scopeFrame(frame);
    compileCapture.call(this, node, scope);
    const end = this.codebuf.length;
    if (this.codebuf[start + 1] !== 'var output = "";\n' || this.codebuf[end - 2] !== 'return output;\n') {
      throw new Error('strata: nunjucks generated an unexpected capture (loop-scope.ts needs updating for this nunjucks version)');
    }
    this.codebuf[start + 1] += `frame = frame.push(true);\n${scope.strataScope.join('')}try {\n`;
    this.codebuf[end - 2] = `} finally {\nframe = frame.pop();\n}\n${this.codebuf[end - 2]}`;
  };

  const compileFor = proto.compileFor;
  proto.compileFor = function compileScopedFor(this: any, node: any, frame: any) {
    const start = this.codebuf.length;
    // compileFor's own temporaries, taken first: the index, the length, then the array.
    const len = `t_${this.lastId + 2}`;
    const arr = `t_${this.lastId + 3}`;
    const scope = scopeFrame(frame);
    compileFor.call(this, node, scope);
    if (this.codebuf[start] !== 'frame = frame.push();\n' || this.codebuf[start + 1] !== `var ${arr} = `) {
      throw new Error('strata: nunjucks generated an unexpected for loop (loop-scope.ts needs updating for this nunjucks version)');
    }
    const shadows: string = scope.strataScope.join('');
    // The loop's frame (its array's evaluation, its `else`) keeps its writes...
    this.codebuf[start] = 'frame = frame.push(true);\n';
    // ...and each iteration starts from a new one, before its loop variables are set.
    const header = new RegExp(`^for\\((?:var )?t_\\d+(?:=0; t_\\d+ < ${arr}\\.length; t_\\d+\\+\\+| in ${arr})\\) \\{\\n$`);
    const otherwise = `if (!${len}) {\n`;
    let headers = 0;
    for (let k = start + 2; k < this.codebuf.length; k++) {
      if (header.test(this.codebuf[k])) {
        this.codebuf[k] += `frame = frame.pop().push(true);\n${shadows}`;
        headers++;
      } else if (shadows && node.else_ && this.codebuf[k] === otherwise) this.codebuf[k] += shadows;
    }
    // One loop statement, or two for `k, v` (over an array, over an object): without its header
    // found, iterations would silently share a frame.
    if (headers !== (node.name instanceof (nunjucks as any).nodes.Array ? 2 : 1)) {
      throw new Error('strata: nunjucks generated an unexpected for loop header (loop-scope.ts needs updating for this nunjucks version)');
    }
  };
}
