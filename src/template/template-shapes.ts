/**
 * One parse for templates that differ only in their string literals.
 *
 * Model files written from a pattern (the same loop, the same joins, another `ref('...')`) have
 * the same syntax tree but for the values of some string literals, and nunjucks' lexer and parser
 * were most of interpreting such a file (template-interpreter.ts; ~0.25 ms a file, ~1,000 files at
 * 10,000 models). Here a template's *shape* is its text with the content of each string literal
 * inside a tag replaced by a numbered marker; a shape is parsed once, and a template of that shape
 * gets that tree with its own literals put in the marked Literal nodes. The caller turns the tree
 * into closures at once (they copy the values they need), so one tree serves one template at a time.
 *
 * Only what is certainly the same tree is shared: a text whose tags could not be scanned simply
 * (a literal with a backslash escape or a carriage return, `{% raw %}`, an unclosed tag or string, the marker character
 * itself), or whose shape's tree does not hold each marker exactly once as a Literal's value, is
 * parsed on its own, as before.
 */
import nunjucks from 'nunjucks';

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' parser and nodes are untyped */
type Node = any;

const MARK = '\u0001';
/** Shapes kept per environment: enough for any generated project, bounded for a hand-written one. */
const MAX_SHAPES = 2000;

interface Shape {
  tree: Node;
  /** The Literal nodes holding a marker, and which literal of the text each takes. */
  slots: Array<{ node: Node; index: number }>;
}

/** The text's shape and its literals, or undefined when it is not scanned simply (see above). */
export function shapeOf(text: string): { key: string; literals: string[] } | undefined {
  if (text.includes(MARK)) return undefined;
  const literals: string[] = [];
  let key = '';
  let copied = 0;
  let i = text.indexOf('{');
  while (i !== -1 && i < text.length - 1) {
    const kind = text[i + 1];
    if (kind === '#') {
      const close = text.indexOf('#}', i + 2);
      if (close === -1) return undefined;
      i = text.indexOf('{', close + 2);
      continue;
    }
    if (kind !== '{' && kind !== '%') {
      i = text.indexOf('{', i + 1);
      continue;
    }
    if (kind === '%' && /^\{%-?\s*(?:raw|verbatim)\b/.test(text.slice(i, i + 40))) return undefined;
    const end = kind === '{' ? '}}' : '%}';
    let j = i + 2;
    for (;;) {
      if (j >= text.length) return undefined;
      const c = text[j];
      if (c === "'" || c === '"') {
        const close = text.indexOf(c, j + 1);
        if (close === -1) return undefined;
        const content = text.slice(j + 1, close);
        // An escape, or a carriage return (the lexer reads a line break in a literal as \n), is the lexer's to read.
        if (content.includes('\\') || content.includes('\r')) return undefined;
        key += `${text.slice(copied, j + 1)}${MARK}${literals.length}${MARK}`;
        literals.push(content);
        copied = close;
        j = close + 1;
      } else if (c === end[0] && text[j + 1] === end[1]) {
        j += 2;
        break;
      } else j++;
    }
    i = text.indexOf('{', j);
  }
  return { key: key + text.slice(copied), literals };
}

/** Every marker of the tree as a slot, or undefined if a marker is anywhere but a Literal's whole value. */
function slotsOf(tree: Node, count: number): Shape['slots'] | undefined {
  const slots: Shape['slots'] = [];
  const seen = new Set<number>();
  const marker = new RegExp(`^${MARK}(\\d+)${MARK}$`);
  let clean = true;
  const visit = (node: Node): void => {
    if (!clean || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    for (const [field, value] of Object.entries(node)) {
      if (typeof value === 'string' && value.includes(MARK)) {
        const m = node.typename === 'Literal' && field === 'value' ? marker.exec(value) : null;
        if (!m) clean = false;
        else {
          slots.push({ node, index: Number(m[1]) });
          seen.add(Number(m[1]));
        }
      } else if (value !== null && typeof value === 'object') visit(value);
    }
  };
  visit(tree);
  return clean && seen.size === count ? slots : undefined;
}

/** nunjucks' parse of `text`, from a tree shared with the templates of the same shape when it can be. */
export class SharedParses {
  readonly #shapes = new Map<string, Shape | null>();

  constructor(readonly env: any) {}

  parse(text: string): Node {
    const shape = this.env.opts.tags ? undefined : shapeOf(text);
    if (!shape?.literals.length) return this.#parse(text);
    let known = this.#shapes.get(shape.key);
    if (known === undefined) {
      known = this.#shape(shape.key, shape.literals.length);
      if (this.#shapes.size < MAX_SHAPES) this.#shapes.set(shape.key, known);
    }
    if (!known) return this.#parse(text);
    for (const { node, index } of known.slots) node.value = shape.literals[index];
    return known.tree;
  }

  #parse(text: string): Node {
    return (nunjucks as any).parser.parse(text, this.env.extensionsList, this.env.opts);
  }

  /** The shape's tree, or null when it does not parse or does not hold its markers simply. */
  #shape(key: string, count: number): Shape | null {
    let tree: Node;
    try {
      tree = this.#parse(key);
    } catch {
      return null;
    }
    const slots = slotsOf(tree, count);
    return slots ? { tree, slots } : null;
  }
}
