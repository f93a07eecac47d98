/**
 * Where a template's tags do not balance, for the errors nunjucks gives without a useful position:
 * a block left open (`{% if %}` with no `{% endif %}`) fails at the end of the file with no line,
 * an end tag closing the wrong block is an "unknown block tag", and a `{%`, `{{` or `{#` without
 * its closing delimiter points at the end of the file or its first line.
 *
 * A small scan of the delimiters and block tag names (not a parse), run only when one of those
 * errors has happened: the cost of a template that renders is nil.
 */
import { StrataError } from '../errors/strata-error.js';
import { lineColumnAt } from './macro-source.js';

/** Tags that open a block, and the tag that ends it. */
const BLOCKS: Record<string, string> = {
  if: 'endif', for: 'endfor', macro: 'endmacro', test: 'endtest', call: 'endcall', filter: 'endfilter',
  block: 'endblock', set: 'endset', materialization: 'endmaterialization', snapshot: 'endsnapshot',
};
const OPENER_OF: Record<string, string> = Object.fromEntries(Object.entries(BLOCKS).map(([open, end]) => [end, open]));

const CLOSERS: Record<string, string> = { '{%': '%}', '{{': '}}', '{#': '#}' };
const WHAT: Record<string, string> = { '{%': 'tag', '{{': 'expression', '{#': 'comment' };

interface Tag {
  name: string;
  index: number;
}

type Imbalance =
  | { kind: 'unterminated'; open: string; index: number }
  | { kind: 'unclosed'; open: Tag[] }
  | { kind: 'mismatched'; end: Tag; open: Tag }
  | { kind: 'stray'; end: Tag };

/** The first imbalance of `text`'s delimiters and block tags, if any. */
function findImbalance(text: string): Imbalance | undefined {
  const open: Tag[] = [];
  const delimiter = /\{[{%#]/g;
  for (let m = delimiter.exec(text); m; m = delimiter.exec(text)) {
    const start = m.index;
    const end = text.indexOf(CLOSERS[m[0]]!, start + 2);
    if (end === -1) return { kind: 'unterminated', open: m[0], index: start };
    delimiter.lastIndex = end + 2;
    if (m[0] !== '{%') continue;
    const body = text.slice(start + 2, end).replace(/^[-+]/, '').trim();
    const name = /^[A-Za-z_]\w*/.exec(body)?.[0] ?? '';
    if (name === 'raw' || name === 'verbatim') {
      // Everything up to its end tag is text.
      const close = new RegExp(`\\{%-?\\s*end${name}\\s*-?%\\}`, 'g');
      close.lastIndex = end + 2;
      const found = close.exec(text);
      if (!found) return { kind: 'unclosed', open: [...open, { name, index: start }] };
      delimiter.lastIndex = found.index + found[0].length;
    } else if (name in BLOCKS && !(name === 'set' && body.includes('='))) {
      open.push({ name, index: start });
    } else if (name in OPENER_OF) {
      const tag = { name, index: start };
      const innermost = open.pop();
      if (!innermost) return { kind: 'stray', end: tag };
      if (BLOCKS[innermost.name] !== name) return { kind: 'mismatched', end: tag, open: innermost };
    }
  }
  return open.length ? { kind: 'unclosed', open } : undefined;
}

/** nunjucks' messages when the template ends inside a tag or block. */
const ENDS_INSIDE = /end of file|expected block end|expected variable end|expected end of comment/;
/** nunjucks' message for an end tag it did not expect (a misspelt tag gives it too). */
const UNEXPECTED_END = /unknown block tag: end/;

/**
 * The error to report instead of nunjucks' error `message` for `text`, when that error comes from
 * tags that do not balance; undefined otherwise (the scan runs only for those messages).
 */
export function unbalancedTagError(message: string, text: string, file: string): StrataError | undefined {
  const endsInside = ENDS_INSIDE.test(message);
  if (!endsInside && !UNEXPECTED_END.test(message)) return undefined;
  const found = findImbalance(text);
  // Each message is explained by its own kind of imbalance only: `{% endfi %}` is a misspelt tag,
  // not a reason to report the `{% if %}` it leaves open.
  if (!found || endsInside !== (found.kind === 'unterminated' || found.kind === 'unclosed')) return undefined;
  const where = (index: number) => ({ file, ...lineColumnAt(text, index) });
  switch (found.kind) {
    case 'unterminated':
      return new StrataError('TEMPLATE', `${found.open} is not closed with ${CLOSERS[found.open]}`, {
        location: where(found.index),
        hint: `end the ${WHAT[found.open]} with ${CLOSERS[found.open]}`,
      });
    case 'unclosed': {
      const innermost = found.open[found.open.length - 1]!;
      const end = BLOCKS[innermost.name] ?? `end${innermost.name}`;
      const outer = found.open.slice(0, -1).reverse().map((t) => `also not closed: {% ${t.name} %} at line ${lineColumnAt(text, t.index).line}`);
      return new StrataError('TEMPLATE', `{% ${innermost.name} %} is not closed: the file ends before its {% ${end} %}`, {
        location: where(innermost.index),
        hint: `add {% ${end} %} where the ${innermost.name} block ends`,
        ...(outer.length ? { details: outer } : {}),
      });
    }
    case 'mismatched':
      return new StrataError('TEMPLATE', `{% ${found.end.name} %} found while {% ${found.open.name} %} (line ${lineColumnAt(text, found.open.index).line}) is still open`, {
        location: where(found.end.index),
        hint: `close the {% ${found.open.name} %} with {% ${BLOCKS[found.open.name]} %} before this tag`,
      });
    case 'stray':
      return new StrataError('TEMPLATE', `{% ${found.end.name} %} closes nothing: no {% ${OPENER_OF[found.end.name]} %} is open`, {
        location: where(found.end.index),
        hint: `remove it, or add the {% ${OPENER_OF[found.end.name]} %} it should close`,
      });
  }
}
