/**
 * Renders templates by walking nunjucks' own syntax tree instead of compiling them.
 *
 * nunjucks turns every template into JavaScript source and hands it to `new Function`: ~1 ms a
 * file for lexing, parsing, generating and V8 compiling code that then runs once, cold. With
 * ~1,000 model files using `{% for %}` loops that was a quarter of a 10,000-model compile. Here the
 * tree from nunjucks' parser (`nunjucks.parser.parse`, the same lexer and parser, so whitespace
 * control and syntax errors are its own) is turned into closures that do what the generated code
 * would do, with nunjucks' runtime functions (`memberLookup`, `callWrap`, `contextOrFrameLookup`,
 * `suppressValue`...), its Frame and its Context, so values, output and every call the template
 * makes are the same. The closures are shared code, hot after a few files.
 *
 * Only what can be mirrored exactly is taken (`interpretTemplate` returns undefined otherwise and
 * the caller compiles the template):
 *
 * - statements: text and `{{ }}` output, `if`/`elif`/`else`, `for` (one name or `k, v`, with
 *   `loop.*` and `else`), `set` (value or block, to names or a namespace attribute), `{% do %}`
 *   and other extension calls without a body, `{% filter %}`; not macros, `call`, blocks,
 *   includes, imports, `switch`;
 * - expressions: literals (not regular expressions), names, lookups, calls, filters, tests, `in`,
 *   inline if, lists, dicts, groups, arithmetic, `~`, comparisons (one operator), `and`/`or`/`not`.
 *
 * The generated JavaScript does not parenthesise operators (`not a == b` becomes `!a == b`, `a ~ b
 * + c` becomes `a + "" + b + c`), so its meaning is JavaScript's precedence over the printed
 * operands, not the tree's. A tree where the two could differ is not taken: each operand must
 * bind at least as tightly as its operator in JavaScript (`jsPrecedence`).
 *
 * Templates that differ only in string literals share one parse (template-shapes.ts).
 *
 * Errors: the interpreted template throws whatever the call threw, without nunjucks' position;
 * the caller then renders the file with nunjucks, which fails the same way and says where.
 */
import nunjucks from 'nunjucks';
import { assignAttribute } from './namespace.js';
import { LOOP_BREAK, LOOP_CONTINUE } from './loop-controls.js';
import { loopRun, setLoopExtras, type LoopRun } from './loop-scope.js';
import { compareOne, pythonAdd, pythonDiv, pythonFloorDiv, pythonMod, pythonMul, pythonNeg, pythonPos, pythonPow, pythonSub, pythonText } from './python-operators.js';
import { PyFloat } from './python-float.js';
import { pythonTruthy } from './python-semantics.js';
import { markTuple } from './python-repr.js';
import { SharedParses } from './template-shapes.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- template values are any JavaScript value, as in the generated code */
type Node = any;
type Runtime = any;

/** One render: nunjucks' context and current frame, the generated function's locals, the output. */
interface Run {
  env: any;
  context: any;
  frame: any;
  runtime: Runtime;
  /** The generated code's `t_<n>` locals (loop variables, `set` targets, loop counters). */
  locals: unknown[];
  out: string;
}

type Statement = (run: Run) => void;
type Evaluate = (run: Run) => unknown;

/** One iteration's run of a loop body: true when it ended with `{% break %}`. */
type Iteration = (run: Run) => boolean | void;

/** An expression: how to evaluate it, and how its printed JavaScript binds (`jsPrecedence`). */
interface Expression {
  evaluate: Evaluate;
  precedence: number;
  /** The printed code starts with a sign (`-x`, `+x`): `-` before it would make `--`. */
  sign?: '-' | '+';
}

/**
 * JavaScript precedence of what the compiler prints for an operator (higher binds tighter): a call
 * or parenthesised code is ATOM, `!x`/`-x` UNARY, `a * b` 13, `a + b` 12, `a < b` 10, `a == b` and
 * `test(...) === true` 9, `&&` 4, `||` 3.
 */
const ATOM = 20;
const UNARY = 15;
const BINARY: Record<string, number> = { Mul: 13, Div: 13, Mod: 13, Add: 12, Sub: 12, Concat: 12, And: 4, Or: 3 };
const COMPARE: Record<string, number> = { '<': 10, '>': 10, '<=': 10, '>=': 10, '==': 9, '!=': 9, '===': 9, '!==': 9 };
const IS = 9;

class Unsupported extends Error {}

function unsupported(node: Node): never {
  throw new Unsupported(String(node?.typename));
}

/** Compile-time names, as the compiler's own frames: a loop variable is bound to a local. */
class Scope {
  readonly #names = new Map<string, number>();
  /**
   * On a loop's or a block's scope (loop-scope.ts): the shadows of names bound outside it that a
   * `set` inside assigns, [shadow, outer] locals, each shadow starting as the outer value.
   */
  shadows?: Array<[number, number]>;
  constructor(readonly parent?: Scope) {}
  lookup(name: string): number | undefined {
    return this.#names.get(name) ?? this.parent?.lookup(name);
  }
  bind(name: string, local: number): void {
    this.#names.set(name, local);
  }
  /** The local a `set` of `name` assigns: its own, a shadow of the enclosing scope, or none yet (as compileSet). */
  setTarget(name: string, newLocal: () => number): number | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const own = s.#names.get(name);
      if (own !== undefined) return own;
      if (s.shadows) {
        const outer = s.parent?.lookup(name);
        if (outer === undefined) return undefined;
        const shadow = newLocal();
        s.bind(name, shadow);
        s.shadows.push([shadow, outer]);
        return shadow;
      }
    }
    return undefined;
  }
}

/** A scope that bounds a loop body or a block. */
function boundScope(parent: Scope): Scope & { shadows: Array<[number, number]> } {
  const scope = new Scope(parent) as Scope & { shadows: Array<[number, number]> };
  scope.shadows = [];
  return scope;
}

/** Each shadow of `scope` starts as the outer value. */
function initShadows(scope: { shadows: Array<[number, number]> }, locals: unknown[]): void {
  for (const [shadow, outer] of scope.shadows) locals[shadow] = locals[outer];
}

/** Turns one parsed template into closures; `locals` counts the generated code's `t_<n>`. */
class Builder {
  locals = 0;
  constructor(readonly env: any) {}

  newLocal(): number {
    return this.locals++;
  }

  statements(list: Node, scope: Scope): Statement {
    if (list?.typename !== 'NodeList' && list?.typename !== 'Root') return this.statement(list, scope);
    const parts: Statement[] = list.children.map((c: Node) => this.statement(c, scope));
    if (parts.length === 1) return parts[0]!;
    return (run) => {
      for (const part of parts) part(run);
    };
  }

  statement(node: Node, scope: Scope): Statement {
    switch (node.typename) {
      case 'NodeList':
        return this.statements(node, scope);
      case 'Output':
        return this.output(node, scope);
      case 'If':
        return this.if(node, scope);
      case 'For':
        return this.for(node, scope);
      case 'Set':
        return this.set(node, scope);
      case 'CallExtension':
        return this.callExtension(node, scope);
      default:
        return unsupported(node);
    }
  }

  /** `output += "text"` for text, `output += runtime.suppressValue(expr, autoescape)` otherwise. */
  output(node: Node, scope: Scope): Statement {
    const parts: Statement[] = [];
    for (const child of node.children) {
      if (child.typename === 'TemplateData') {
        const text: unknown = child.value;
        if (typeof text !== 'string') unsupported(child);
        if (text) parts.push((run) => (run.out += text));
      } else {
        const value = this.expression(child, scope).evaluate;
        parts.push((run) => (run.out += run.runtime.suppressValue(value(run), run.env.opts.autoescape)));
      }
    }
    return (run) => {
      for (const part of parts) part(run);
    };
  }

  if(node: Node, scope: Scope): Statement {
    const cond = this.expression(node.cond, scope).evaluate;
    const body = this.statements(node.body, scope);
    const otherwise = node.else_ ? this.statements(node.else_, scope) : undefined;
    return (run) => {
      if (pythonTruthy(cond(run))) body(run);
      else otherwise?.(run);
    };
  }

  /**
   * The compiler's `for` (with loop-scope.ts): a frame pushed for the whole loop, the array
   * evaluated in it, a new frame each iteration with the loop variables and `loop.*` set in it,
   * the loop's counters in function-wide locals (so `else` after a loop whose array is empty or
   * missing tests the last length that local held, as the generated code does).
   */
  for(node: Node, outer: Scope): Statement {
    const i = this.newLocal();
    const len = this.newLocal();
    const arr = this.newLocal();
    const scope = boundScope(outer);
    const array = this.expression(node.arr, scope).evaluate;
    const loop = node.name.typename === 'Array' ? this.forPairs(node, scope, i, len, arr) : this.forItems(node, scope, i, len, arr);
    const otherwise = node.else_ ? this.statements(node.else_, scope) : undefined;
    return (run) => {
      const l = run.locals;
      // Jinja's scoping (loop-scope.ts): the loop's frame keeps its writes, each iteration has its own.
      run.frame = run.frame.push(true);
      l[arr] = array(run);
      if (l[arr]) {
        l[arr] = run.runtime.fromIterator(l[arr]);
        loop(run);
      }
      if (otherwise && !l[len]) {
        initShadows(scope, l);
        otherwise(run);
      }
      run.frame = run.frame.pop();
    };
  }

  /**
   * A loop's body, run once an iteration. One with `{% break %}` / `{% continue %}`
   * (loop-controls.ts' StrataLoopBody) catches them: continue ends this iteration there, break
   * too and tells the loop to stop. Any other body is its statements, with no catch around them.
   */
  iteration(node: Node, scope: Scope): Iteration {
    if (node?.typename !== 'StrataLoopBody') return this.statements(node, scope);
    const body = this.statements({ typename: 'NodeList', children: node.children }, scope);
    return (run) => {
      const frame = run.frame;
      try {
        body(run);
        return false;
      } catch (e) {
        // A nested loop's else (or a block that pushed a frame) did not pop it.
        run.frame = frame;
        if (e === LOOP_BREAK) return true;
        if (e !== LOOP_CONTINUE) throw e;
        return false;
      }
    };
  }

  /** `for x in items`. */
  forItems(node: Node, scope: ReturnType<typeof boundScope>, i: number, len: number, arr: number): Statement {
    if (node.name.typename !== 'Symbol') unsupported(node.name);
    const name: string = node.name.value;
    const item = this.newLocal();
    scope.bind(name, item);
    const body = this.iteration(node.body, scope);
    return (run) => {
      const l = run.locals as any[];
      const state = loopRun(l[arr]);
      l[len] = l[arr].length;
      for (l[i] = 0; l[i] < l[arr].length; l[i]++) {
        run.frame = run.frame.pop().push(true);
        initShadows(scope, l);
        l[item] = l[arr][l[i]];
        run.frame.set(name, l[item]);
        setLoopBindings(run.frame, state, l[i], l[len]);
        if (body(run)) break;
      }
    };
  }

  /**
   * `for k, v in pairs`: over an array, each name takes that position of the item (and the
   * generated code sets the frame variable named after the name *node*, "[object Object]", which is
   * mirrored); over an object, the first name its keys and the second their values.
   */
  forPairs(node: Node, scope: ReturnType<typeof boundScope>, i: number, len: number, arr: number): Statement {
    const names: Node[] = node.name.children;
    if (names.length < 2 || names.some((n) => n.typename !== 'Symbol')) unsupported(node.name);
    const items = names.map((n) => {
      const local = this.newLocal();
      scope.bind(n.value, local);
      return { local, frameName: '' + n };
    });
    const overArray = this.iteration(node.body, scope);
    const key = this.newLocal();
    const value = this.newLocal();
    scope.bind(names[0].value, key);
    scope.bind(names[1].value, value);
    const overObject = this.iteration(node.body, scope);
    const keyName: string = names[0].value;
    const valueName: string = names[1].value;
    return (run) => {
      const l = run.locals as any[];
      const state = loopRun(l[arr]);
      if (run.runtime.isArray(l[arr])) {
        l[len] = l[arr].length;
        for (l[i] = 0; l[i] < l[arr].length; l[i]++) {
          run.frame = run.frame.pop().push(true);
          initShadows(scope, l);
          for (let u = 0; u < items.length; u++) {
            l[items[u]!.local] = l[arr][l[i]][u];
            run.frame.set(items[u]!.frameName, l[arr][l[i]][u]);
          }
          setLoopBindings(run.frame, state, l[i], l[len]);
          if (overArray(run)) break;
        }
      } else {
        l[i] = -1;
        l[len] = run.runtime.keys(l[arr]).length;
        for (const k in l[arr]) {
          run.frame = run.frame.pop().push(true);
          initShadows(scope, l);
          l[key] = k;
          l[i]++;
          l[value] = l[arr][k];
          run.frame.set(keyName, l[key]);
          run.frame.set(valueName, l[value]);
          setLoopBindings(run.frame, state, l[i], l[len]);
          if (overObject(run)) break;
        }
      }
    };
  }

  /**
   * `{% set a, b = value %}` or `{% set a %}...{% endset %}`: into the targets' locals (a loop
   * variable's own local if the name is one), then the frame, and at top level the context.
   */
  set(node: Node, scope: Scope): Statement {
    if (node.targets.some((t: Node) => t.typename === 'LookupVal')) return this.setAttribute(node, scope);
    const targets: Array<{ name: string; local: number }> = node.targets.map((t: Node) => {
      if (t.typename !== 'Symbol') unsupported(t);
      return { name: t.value as string, local: scope.setTarget(t.value, () => this.newLocal()) ?? this.newLocal() };
    });
    const value = node.value ? this.expression(node.value, scope).evaluate : this.expression(node.body, scope).evaluate;
    return (run) => {
      const v = value(run);
      for (const t of targets) run.locals[t.local] = v;
      for (const t of targets) {
        run.frame.set(t.name, run.locals[t.local], true);
        if (run.frame.topLevel) run.context.setVariable(t.name, run.locals[t.local]);
        if (t.name.charAt(0) !== '_' && run.frame.topLevel) run.context.addExport(t.name, run.locals[t.local]);
      }
    };
  }

  /**
   * `{% set ns.attr = value %}` as namespace.ts compiles it: the value, then the namespace and the
   * attribute's name, then the assignment. With other targets too, the compiler reports the error.
   */
  setAttribute(node: Node, scope: Scope): Statement {
    if (node.targets.length > 1) unsupported(node);
    const attribute = node.targets[0];
    const value = this.expression(node.value ?? node.body, scope).evaluate;
    const target = this.expression(attribute.target, scope).evaluate;
    const key = this.expression(attribute.val, scope).evaluate;
    return (run) => {
      const v = value(run);
      assignAttribute(target(run), key(run), v);
    };
  }

  /** `{% do expr %}` and other extension tags without a body. */
  callExtension(node: Node, scope: Scope): Statement {
    if (node.contentArgs?.length || node.args?.typename !== 'NodeList') unsupported(node);
    const extName: string = node.extName;
    const prop: string = node.prop;
    const autoescape = typeof node.autoescape === 'boolean' ? node.autoescape : true;
    const args = node.args.children.map((a: Node) => this.expression(a, scope).evaluate) as Evaluate[];
    return (run) => {
      const ext = run.env.getExtension(extName);
      const value = ext[prop](run.context, ...args.map((a) => a(run)));
      run.out += run.runtime.suppressValue(value, autoescape && run.env.opts.autoescape);
    };
  }

  expression(node: Node, scope: Scope): Expression {
    switch (node.typename) {
      case 'Literal':
        return literal(node);
      case 'Symbol':
        return this.symbol(node, scope);
      case 'Group':
        return this.group(node, scope);
      case 'Array': {
        const items = this.list(node.children, scope);
        return atom((run) => items.map((item) => item(run)));
      }
      case 'Dict':
        return atom(this.dict(node, scope));
      case 'KeywordArgs': {
        const dict = this.dict(node, scope);
        return atom((run) => run.runtime.makeKeywordArgs(dict(run)));
      }
      case 'LookupVal': {
        const target = this.expression(node.target, scope).evaluate;
        const key = this.expression(node.val, scope).evaluate;
        return atom((run) => run.runtime.memberLookup(target(run), key(run)));
      }
      case 'FunCall':
        return this.call(node, scope);
      case 'Filter':
        return this.filter(node, scope);
      case 'Is':
        return this.is(node, scope);
      case 'In': {
        const left = this.expression(node.left, scope).evaluate;
        const right = this.expression(node.right, scope).evaluate;
        return atom((run) => run.runtime.inOperator(left(run), right(run)));
      }
      case 'InlineIf': {
        const cond = this.expression(node.cond, scope).evaluate;
        const body = this.expression(node.body, scope).evaluate;
        const otherwise = node.else_ ? this.expression(node.else_, scope).evaluate : () => '';
        return atom((run) => (pythonTruthy(cond(run)) ? body(run) : otherwise(run)));
      }
      case 'Compare':
        return this.compare(node, scope);
      case 'Not':
      case 'Neg':
      case 'Pos':
        return this.unary(node, scope);
      case 'FloorDiv':
      case 'Pow': {
        // Calls in the generated code (python-operators.ts): their operands are arguments.
        const left = this.expression(node.left, scope).evaluate;
        const right = this.expression(node.right, scope).evaluate;
        const op = node.typename === 'Pow' ? pythonPow : pythonFloorDiv;
        return atom((run) => op(left(run), right(run)));
      }
      case 'Capture':
        return atom(this.capture(node, scope));
      default:
        if (node.typename in BINARY) return this.binary(node, scope);
        return unsupported(node);
    }
  }

  list(nodes: Node[], scope: Scope): Evaluate[] {
    return nodes.map((n) => this.expression(n, scope).evaluate);
  }

  symbol(node: Node, scope: Scope): Expression {
    const name: string = node.value;
    const local = scope.lookup(name);
    if (local !== undefined) return atom((run) => run.locals[local]);
    return atom((run) => run.runtime.contextOrFrameLookup(run.context, run.frame, name));
  }

  /** `(a)`, or `(a, b)`: JavaScript's comma operator, the last value. */
  group(node: Node, scope: Scope): Expression {
    const items = this.list(node.children, scope);
    if (items.length === 1 && !node.strataTuple) return atom(items[0]!);
    // A tuple (`()` the empty one), as jinja-compat.ts compiles it: an array of its items.
    return atom((run) => markTuple(items.map((item) => item(run))));
  }

  /** `{"k": v, name: v}` as an object literal (a `__proto__` key would set the prototype there). */
  dict(node: Node, scope: Scope): Evaluate {
    const pairs = node.children.map((pair: Node) => {
      if (pair.typename !== 'Pair') unsupported(pair);
      const key = pair.key;
      const isName = key.typename === 'Symbol';
      if (!isName && !(key.typename === 'Literal' && typeof key.value === 'string')) unsupported(key);
      if (key.value === '__proto__') unsupported(key);
      return { key: key.value as string, value: this.expression(pair.value, scope).evaluate };
    }) as Array<{ key: string; value: Evaluate }>;
    return (run) => {
      const dict: Record<string, unknown> = {};
      for (const p of pairs) dict[p.key] = p.value(run);
      return dict;
    };
  }

  /** `runtime.callWrap(fn, "name", context, [args])`: the function, then the arguments, in order. */
  call(node: Node, scope: Scope): Expression {
    const fn = this.expression(node.name, scope).evaluate;
    let name: string;
    try {
      name = nodeName(node.name);
    } catch {
      return unsupported(node); // the compiler fails on it
    }
    const args = this.list(node.args.children, scope);
    return atom((run) => {
      const f = fn(run);
      return run.runtime.callWrap(f, name, run.context, args.map((a) => a(run)));
    });
  }

  /** `env.getFilter("name").call(context, value, args...)`. */
  filter(node: Node, scope: Scope): Expression {
    if (node.name.typename !== 'Symbol') unsupported(node.name);
    const name: string = node.name.value;
    if (this.env.asyncFilters?.includes(name)) unsupported(node);
    const args = this.list(node.args.children, scope);
    return atom((run) => {
      const f = run.env.getFilter(name);
      return f.call(run.context, ...args.map((a) => a(run)));
    });
  }

  /** `env.getTest("name").call(context, value[, arg]) === true` (its arguments printed unseparated). */
  is(node: Node, scope: Scope): Expression {
    const right = node.right;
    // Printed into the code as a string: `is none` (a none literal) asks for the test "null".
    const name = String(right.name ? right.name.value : right.value);
    const left = this.expression(node.left, scope).evaluate;
    const args = right.args ? this.list(right.args.children, scope) : [];
    if (args.length > 1) unsupported(node);
    return {
      precedence: IS,
      evaluate: (run) => {
        const test = run.env.getTest(name);
        return test.call(run.context, left(run), ...args.map((a) => a(run))) === true;
      },
    };
  }

  compare(node: Node, scope: Scope): Expression {
    if (node.ops.length !== 1) unsupported(node); // a chain is JavaScript's, not Jinja's
    const op: string = node.ops[0].type;
    const precedence = COMPARE[op];
    if (precedence === undefined) return unsupported(node);
    const left = this.operand(node.expr, scope, precedence, false);
    const right = this.operand(node.ops[0].expr, scope, precedence, true);
    const evaluate = compareFunction(op, left, right);
    return { precedence, evaluate };
  }

  unary(node: Node, scope: Scope): Expression {
    const target = this.expression(node.target, scope);
    const sign = node.typename === 'Neg' ? '-' : node.typename === 'Pos' ? '+' : undefined;
    if (target.precedence < UNARY || (sign && target.sign === sign)) unsupported(node);
    const t = target.evaluate;
    const evaluate: Evaluate = sign === '-' ? (run) => pythonNeg(t(run)) : sign === '+' ? (run) => pythonPos(t(run)) : (run) => !pythonTruthy(t(run));
    return { precedence: UNARY, evaluate, ...(sign ? { sign } : {}) };
  }

  binary(node: Node, scope: Scope): Expression {
    const precedence = BINARY[node.typename]!;
    const [l, r] = this.operands(node, scope, precedence);
    const evaluate = binaryFunction(node.typename, l, r);
    return { precedence, evaluate };
  }

  operands(node: Node, scope: Scope, precedence: number): [Evaluate, Evaluate] {
    return [this.operand(node.left, scope, precedence, false), this.operand(node.right, scope, precedence, true)];
  }

  /** An operand printed next to an operator: left-associative, so the right one must bind tighter. */
  operand(node: Node, scope: Scope, precedence: number, right: boolean): Evaluate {
    const e = this.expression(node, scope);
    if (right ? e.precedence <= precedence : e.precedence < precedence) unsupported(node);
    return e.evaluate;
  }

  /** A block `set` or `{% filter %}` body: rendered into its own output. */
  capture(node: Node, outer: Scope): Evaluate {
    const scope = boundScope(outer);
    const body = this.statements(node.body, scope);
    return (run) => {
      const saved = run.out;
      run.out = '';
      // A scope of its own, as in Jinja (loop-scope.ts). A `{% continue %}` inside leaves it early.
      run.frame = run.frame.push(true);
      initShadows(scope, run.locals);
      try {
        body(run);
        return run.out;
      } finally {
        run.frame = run.frame.pop();
        run.out = saved;
      }
    };
  }
}

function atom(evaluate: Evaluate): Expression {
  return { evaluate, precedence: ATOM };
}

/** Strings, numbers, booleans, none; a number prints as `toString()`, so a negative one has a sign. */
function literal(node: Node): Expression {
  // A float literal with a whole value is a float (literal-syntax.ts marks it).
  const value: unknown = node.strataFloat ? new PyFloat(node.value) : node.value;
  if (value instanceof PyFloat) return atom(() => value);
  if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') unsupported(node);
  const evaluate = () => value;
  if (typeof value === 'number' && String(value).startsWith('-')) return { evaluate, precedence: UNARY, sign: '-' };
  return atom(evaluate);
}

/** The compiler's `_getNodeName`: the name of what is called, for "Unable to call" messages. */
function nodeName(node: Node): string {
  switch (node.typename) {
    case 'Symbol':
      return node.value;
    case 'FunCall':
      return 'the return value of (' + nodeName(node.name) + ')';
    case 'LookupVal':
      return nodeName(node.target) + '["' + nodeName(node.val) + '"]';
    case 'Literal':
      return node.value.toString();
    default:
      return '--expression--';
  }
}

/** The compiled loop's `frame.set("loop.index", ...)` and the rest, into the `loop` object those make in this iteration's frame. */
function setLoopBindings(frame: any, state: LoopRun, i: number, len: number): void {
  let loop = frame.variables.loop;
  if (!loop) loop = frame.variables.loop = {};
  loop.index = i + 1;
  loop.index0 = i;
  loop.revindex = len - i;
  loop.revindex0 = len - i - 1;
  loop.first = i === 0;
  loop.last = i === len - 1;
  loop.length = len;
  setLoopExtras(frame, state, i);
}

/** A comparison as the compiled code makes it (python-operators.ts): Python's `==`, by value. */
function compareFunction(op: string, left: Evaluate, right: Evaluate): Evaluate {
  return (run) => compareOne(left(run), op, right(run));
}

function binaryFunction(type: string, left: Evaluate, right: Evaluate): Evaluate {
  switch (type) {
    case 'Add':
      return (run) => pythonAdd(left(run), right(run));
    case 'Concat':
      return (run) => pythonText(left(run)) + pythonText(right(run));
    case 'Sub':
      return (run) => pythonSub(left(run), right(run));
    case 'Mul':
      return (run) => pythonMul(left(run), right(run));
    case 'Div':
      return (run) => pythonDiv(left(run), right(run));
    case 'Mod':
      return (run) => pythonMod(left(run), right(run));
    // Python's `and` / `or` (truthiness.ts): the deciding operand's value, the right one only when needed.
    case 'And':
      return (run) => {
        const l = left(run);
        return pythonTruthy(l) ? right(run) : l;
      };
    default:
      return (run) => {
        const l = left(run);
        return pythonTruthy(l) ? l : right(run);
      };
  }
}

/**
 * A nunjucks Template that renders `text` by interpretation, or undefined when the template uses
 * something not interpreted here (or does not parse: the compiler reports that). It is a template
 * in nunjucks' precompiled form (`{ type: 'code' }`), so `render()` sets up the context and the
 * top-level frame exactly as for a compiled one.
 */
/** Per environment (its extensions and options shape the parse): trees shared by templates of one shape. */
const sharedParses = new WeakMap<object, SharedParses>();

export function interpretTemplate(text: string, env: nunjucks.Environment, path: string): nunjucks.Template | undefined {
  const e = env as any;
  let root: Statement;
  let builder: Builder;
  try {
    let parses = sharedParses.get(e);
    if (!parses) sharedParses.set(e, (parses = new SharedParses(e)));
    const ast = parses.parse(text);
    builder = new Builder(e);
    root = builder.statements(ast, new Scope());
  } catch {
    return undefined;
  }
  const locals = builder.locals;
  const render = (env: any, context: any, frame: any, runtime: Runtime, cb: (err: unknown, out?: string) => void): void => {
    const run: Run = { env, context, frame, runtime, locals: new Array(locals), out: '' };
    try {
      root(run);
    } catch (err) {
      cb(err);
      return;
    }
    cb(null, run.out);
  };
  return new nunjucks.Template({ type: 'code', obj: { root: render } } as any, env, path);
}
