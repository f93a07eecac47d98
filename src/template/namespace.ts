/**
 * Jinja2's `namespace()` and `{% set ns.attr = value %}`: the way to carry a value out of a loop
 * (a plain `{% set %}` inside `{% for %}` is local to it), common in dbt projects.
 *
 * nunjucks parses `{% set ns.attr = value %}` (its target is a lookup) but its compiler only
 * assigns names: it failed with a JavaScript TypeError. `installNamespaceAssignment` extends the
 * compiler's `compileSet` for that case: the generated code evaluates the value, sets the
 * template's line and column to the tag's (so an error points at it), then calls
 * `assignAttribute`, put on nunjucks' runtime where generated code reaches it.
 * template-interpreter.ts does the same steps in the same order. No template text is rewritten or
 * scanned: line numbers stay nunjucks' own, and the cost is nil for templates without it.
 */
import nunjucks from 'nunjucks';
import { StrataError } from '../errors/strata-error.js';
import { pythonTypeName } from './python-repr.js';

/** A namespace object: its attributes are its own properties (read before any dict method name). */
export class Namespace {
  toString(): string {
    return `<Namespace ${JSON.stringify({ ...this })}>`;
  }
}

/** Own data property, even for `__proto__` (an assignment would set the prototype). */
function setOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** `namespace(mapping_or_pairs, key=value, ...)`, as Jinja2's (its arguments are `dict()`'s). */
export function namespace(...args: unknown[]): Namespace {
  const ns = new Namespace();
  for (const arg of args) {
    if (Array.isArray(arg) && arg.every((pair) => Array.isArray(pair) && pair.length === 2)) {
      for (const [k, v] of arg as Array<[unknown, unknown]>) setOwn(ns, String(k), v);
    } else if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
      // The keyword arguments come as the last argument, marked `__keywords` by nunjucks.
      for (const k of Object.keys(arg)) if (k !== '__keywords') setOwn(ns, k, (arg as Record<string, unknown>)[k]);
    } else {
      throw new StrataError('TEMPLATE', `namespace() takes a mapping and keyword arguments, got ${JSON.stringify(arg) ?? String(arg)}`);
    }
  }
  return ns;
}

/** `{% set target.key = value %}`: allowed on a namespace only, as in Jinja2. */
export function assignAttribute(target: unknown, key: unknown, value: unknown): void {
  const name = String(key);
  if (!(target instanceof Namespace)) {
    throw new StrataError('TEMPLATE', `cannot assign attribute '${name}' on a non-namespace object (${pythonTypeName(target)})`, {
      hint: `only a namespace takes attributes: {% set ns = namespace(${name}=...) %} then {% set ns.${name} = ... %}`,
    });
  }
  setOwn(target, name, value);
}

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' compiler internals are untyped */
let installed = false;

/** Teaches nunjucks' compiler `{% set a.b = value %}` (process-wide, once; see the file comment). */
export function installNamespaceAssignment(): void {
  if (installed) return;
  installed = true;
  (nunjucks as any).runtime.strataAssignAttribute = assignAttribute;
  const proto = (nunjucks as any).compiler.Compiler.prototype;
  const compileSet = proto.compileSet;
  proto.compileSet = function compileAttributeSet(this: any, node: any, frame: any) {
    const attribute = node.targets.find((t: any) => t.typename === 'LookupVal');
    if (!attribute) return compileSet.call(this, node, frame);
    if (node.targets.length > 1) this.fail('{% set %} assigns one namespace attribute (ns.attr) or names, not both', node.lineno, node.colno);
    const value = this._tmpid();
    this._emit(`var ${value} = `);
    if (node.value) this._compileExpression(node.value, frame);
    else this.compile(node.body, frame);
    this._emitLine(';');
    this._emitLine(`lineno = ${node.lineno}; colno = ${node.colno};`);
    this._emit('runtime.strataAssignAttribute(');
    this._compileExpression(attribute.target, frame);
    this._emit(', ');
    this._compileExpression(attribute.val, frame);
    this._emitLine(`, ${value});`);
  };
}
