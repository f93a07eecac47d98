/**
 * A fast path for the YAML property files are nearly always written in: block mappings and
 * sequences, plain and quoted one-line scalars, one-line flow lists, comments. js-yaml takes
 * ~0.1 ms even for a small file (its event parser and constructor are general and, at 1,000 files,
 * mostly still unoptimised), and at 10,000 property files it was most of a cold parse's work.
 *
 * Anything outside that subset -- anchors, tags, block scalars (`|`, `>`), multi-line scalars,
 * flow mappings, escapes, tabs, CRLF, duplicate keys, keys that are not plain words, scalars that
 * might resolve to something other than a string, an integer or a decimal -- and anything invalid
 * makes it give up (NOT_SIMPLE), and the caller parses the file with js-yaml, which then also
 * reports any error. What it does return is what js-yaml returns for the same text (`json: true`,
 * core schema): same values, same key order (tests/unit/project/simple-yaml.test.ts compares both).
 */
export const NOT_SIMPLE: unique symbol = Symbol('not simple YAML');

class NotSimple extends Error {}
const GIVE_UP = new NotSimple();

interface Line {
  indent: number;
  text: string;
}

/** Plain keys only: a word (optionally `+`-prefixed, as in project.yml), not one that resolves to null or a boolean. */
const KEY = /^(\+?[A-Za-z_][A-Za-z0-9_\-./]*):(?: |$)/;
const KEYWORD_KEY = /^\+?(?:null|true|false)$/i;
const INTEGER = /^-?(?:0|[1-9][0-9]{0,14})$/;
const DECIMAL = /^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/;
/** A plain scalar that is a string under the core schema: starts with a letter, `_`, `(`, `/` or `$`. */
const STRING_START = /^[A-Za-z_(/$]/;

/**
 * Tabs, CR, control and non-printable characters, BOM, line separators, surrogates: js-yaml has
 * rules (and errors) for each; such files take its path.
 */
// eslint-disable-next-line no-control-regex
const UNUSUAL_CHARACTER = /[\x00-\x09\x0B-\x1F\x7F-\x9F\u2028\u2029\uD800-\uDFFF\uFEFF\uFFFE\uFFFF]/;

function giveUp(): never {
  throw GIVE_UP;
}

/** The significant lines (no blank or comment-only lines), or undefined when the text is outside the subset. */
function linesOf(text: string): Line[] | undefined {
  if (UNUSUAL_CHARACTER.test(text)) return undefined;
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    let end = raw.length;
    while (end > indent && raw.charCodeAt(end - 1) === 32) end--;
    if (end === indent || raw.charCodeAt(indent) === 35 /* # */) continue;
    const content = raw.slice(indent, end);
    // Directives and document markers.
    if (indent === 0 && (content.startsWith('%') || content.startsWith('---') || content.startsWith('...'))) return undefined;
    lines.push({ indent, text: content });
  }
  return lines;
}

/** Resolves a plain scalar as the core schema does, for the forms this path accepts. */
function plainScalar(text: string): unknown {
  const comment = text.indexOf(' #');
  const value = comment === -1 ? text : text.slice(0, comment).trimEnd();
  if (value.includes(': ') || value.endsWith(':')) giveUp();
  switch (value) {
    case '~': case 'null': case 'Null': case 'NULL': return null;
    case 'true': case 'True': case 'TRUE': return true;
    case 'false': case 'False': case 'FALSE': return false;
  }
  if (STRING_START.test(value)) return value;
  if (value === '-0' || !(INTEGER.test(value) || DECIMAL.test(value))) giveUp();
  return Number(value);
}

/** A quoted scalar starting at `text[start]`: its value and the index after the closing quote. */
function quotedScalar(text: string, start: number): [string, number] {
  const quote = text[start]!;
  let value = '';
  let i = start + 1;
  for (;;) {
    const close = text.indexOf(quote, i);
    if (close === -1) giveUp(); // continues on the next line
    value += text.slice(i, close);
    if (quote === "'" && text[close + 1] === "'") {
      value += "'";
      i = close + 2;
      continue;
    }
    i = close + 1;
    break;
  }
  if (quote === '"' && value.includes('\\')) giveUp();
  return [value, i];
}

/** After a value: nothing, or a comment after a space. */
function expectEnd(text: string, i: number): void {
  if (i === text.length) return;
  if (text[i] !== ' ') giveUp();
  const rest = text.slice(i).trimStart();
  if (rest && !rest.startsWith('#')) giveUp();
}

/** A one-line flow sequence of scalars: `[a, 'b', 3]`. */
function flowSequence(text: string): unknown[] {
  const items: unknown[] = [];
  let i = 1;
  const skipSpaces = () => {
    while (text[i] === ' ') i++;
  };
  skipSpaces();
  if (text[i] === ']') {
    expectEnd(text, i + 1);
    return items;
  }
  for (;;) {
    skipSpaces();
    const c = text[i];
    if (c === '"' || c === "'") {
      const [value, next] = quotedScalar(text, i);
      items.push(value);
      i = next;
    } else {
      const start = i;
      while (i < text.length && !',[]{}#"\':'.includes(text[i]!)) i++;
      const value = text.slice(start, i).trimEnd();
      if (!value) giveUp();
      items.push(plainScalar(value));
    }
    skipSpaces();
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] !== ']') giveUp();
    expectEnd(text, i + 1);
    return items;
  }
}

/** The value written on the same line as its key or dash (the text after them, not empty). */
function inlineValue(text: string): unknown {
  const c = text[0]!;
  if (c === '"' || c === "'") {
    const [value, end] = quotedScalar(text, 0);
    expectEnd(text, end);
    return value;
  }
  if (c === '[') return flowSequence(text);
  return plainScalar(text);
}

class Parser {
  #i = 0;
  constructor(readonly lines: Line[]) {}

  document(): unknown {
    const value = this.#block(this.lines[0]!.indent);
    if (this.#i !== this.lines.length) giveUp();
    return value;
  }

  #isDash(text: string): boolean {
    return text === '-' || text.startsWith('- ');
  }

  #block(indent: number): unknown {
    return this.#isDash(this.lines[this.#i]!.text) ? this.#sequence(indent) : this.#mapping(indent);
  }

  /** The value of a key or dash with nothing after it: a nested block, or null. */
  #nested(parentIndent: number, sequenceMayAlign: boolean): unknown {
    const next = this.lines[this.#i];
    if (next && next.indent > parentIndent) return this.#block(next.indent);
    // `key:` followed by `- item` at the key's own indentation is the key's sequence.
    if (next && sequenceMayAlign && next.indent === parentIndent && this.#isDash(next.text)) return this.#sequence(parentIndent);
    return null;
  }

  /** A value on the line of its key or dash: the next line must not continue it. */
  #inline(text: string, indent: number): unknown {
    const value = inlineValue(text);
    const next = this.lines[this.#i];
    if (next && next.indent > indent) giveUp();
    return value;
  }

  #mapping(indent: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    while (this.#i < this.lines.length) {
      const line = this.lines[this.#i]!;
      if (line.indent < indent) break;
      if (line.indent > indent) giveUp();
      const key = KEY.exec(line.text)?.[1];
      if (key === undefined || KEYWORD_KEY.test(key) || key === '__proto__' || Object.prototype.hasOwnProperty.call(map, key)) giveUp();
      const rest = line.text.slice(key.length + 1).trimStart();
      this.#i++;
      map[key] = rest === '' || rest.startsWith('#') ? this.#nested(indent, true) : this.#inline(rest, indent);
    }
    return map;
  }

  #sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    while (this.#i < this.lines.length) {
      const line = this.lines[this.#i]!;
      if (line.indent < indent) break;
      if (line.indent > indent) giveUp();
      if (!this.#isDash(line.text)) break;
      let offset = 1;
      while (line.text.charCodeAt(offset) === 32) offset++;
      const rest = line.text.slice(offset);
      if (rest === '' || rest.startsWith('#')) {
        this.#i++;
        items.push(this.#nested(indent, false));
      } else if (KEY.test(rest) || this.#isDash(rest)) {
        // `- key: value` / `- - x`: a block that starts on the dash's line, indented to its text.
        this.lines[this.#i] = { indent: indent + offset, text: rest };
        items.push(this.#block(indent + offset));
      } else {
        this.#i++;
        items.push(this.#inline(rest, indent));
      }
    }
    return items;
  }
}

/** The document, as js-yaml would load it, or NOT_SIMPLE when the text is outside the subset. */
export function parseSimpleYaml(text: string): unknown {
  const lines = linesOf(text);
  if (!lines?.length) return NOT_SIMPLE;
  try {
    return new Parser(lines).document();
  } catch (e) {
    if (e === GIVE_UP) return NOT_SIMPLE;
    throw e;
  }
}
