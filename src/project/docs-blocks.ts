/**
 * `{% docs name %}...{% enddocs %}` blocks in `.md` files under the docs paths, and `doc('name')`
 * references inside descriptions.
 */
import { StrataError, type SourceLocation } from '../errors/strata-error.js';
import type { DocBlock } from '../manifest/types.js';
import { didYouMean } from '../graph/did-you-mean.js';
import { lineColumnAt } from '../template/macro-source.js';

const DOCS_BLOCK = /\{%-?\s*docs\s+([A-Za-z_][A-Za-z0-9_]*)\s*-?%\}([\s\S]*?)\{%-?\s*enddocs\s*-?%\}/g;
const DOC_REF = /\{\{\s*doc\(\s*['"]([^'"]+)['"]\s*\)\s*\}\}/g;

export function parseDocsFile(file: string, text: string, into: Record<string, DocBlock>, errors: StrataError[]): void {
  for (const m of text.matchAll(DOCS_BLOCK)) {
    const name = m[1]!;
    const location = { file, ...lineColumnAt(text, m.index) };
    const existing = into[name];
    if (existing) {
      errors.push(new StrataError('DUPLICATE', `docs block '${name}' is defined twice`, {
        location,
        details: [`first definition: ${existing.location.file}:${existing.location.line}`],
      }));
      continue;
    }
    into[name] = { name, content: m[2]!.trim(), location };
  }
}

/** Replaces `{{ doc('x') }}` in a description; an unknown block is an error at `location`. */
export function renderDescription(text: string, docs: Record<string, DocBlock>, location: SourceLocation, errors: StrataError[]): string {
  if (!text.includes('doc(')) return text;
  return text.replace(DOC_REF, (whole, name: string) => {
    const block = docs[name];
    if (block) return block.content;
    const suggestion = didYouMean(name, Object.keys(docs));
    errors.push(new StrataError('CONFIG', `description uses doc('${name}'), but no {% docs ${name} %} block exists`, {
      location,
      hint: suggestion ? `did you mean '${suggestion}'?` : 'define it in a .md file under the docs paths',
    }));
    return whole;
  });
}
