/**
 * Jinja2's `dictsort`, `groupby` and `truncate`, whose nunjucks namesakes return other values
 * without an error:
 *
 * - `dictsort` ignored `reverse=true` (nunjucks' filter takes no keyword arguments: the keywords
 *   object landed in `case_sensitive`) and its pairs printed as lists.
 * - `groupby('attr')` returned an object keyed by the group's text, so `{% for g in rows |
 *   groupby('state') %}{{ g.grouper }}: {{ g.list | length }}{% endfor %}` printed nothing; in Jinja2
 *   it is a sorted list of `(grouper, list)` tuples (also unpacked: `{% for state, rows in ... %}`).
 * - `truncate(n)` cut at n characters and then added `...`; Jinja2's result is at most n long with
 *   the end, cut at a word boundary unless `killwords`, and a text at most 5 (`leeway`) over the
 *   length is left whole.
 */
import { bindArgs } from './context-globals.js';
import { attributeOf } from './python-semantics.js';
import { pythonOrder } from './python-operators.js';
import { isNumber, isNumeric } from './python-float.js';
import { isMapping, markTuple, pythonTypeName } from './python-repr.js';

const folded = (v: unknown, caseSensitive: boolean): unknown => (!caseSensitive && typeof v === 'string' ? v.toLowerCase() : v);

/** `dictsort(case_sensitive=false, by='key', reverse=false)`: the (key, value) pairs, sorted. */
export function dictsort(value: unknown, ...rest: unknown[]): unknown[] {
  const { case_sensitive: caseSensitive = false, by = 'key', reverse = false } = bindArgs(rest, ['case_sensitive', 'by', 'reverse']);
  if (by !== 'key' && by !== 'value') throw new Error("You can only sort by either 'key' or 'value'");
  if (!isMapping(value)) throw new Error('dictsort filter: val must be an object');
  const index = by === 'key' ? 0 : 1;
  const pairs = Object.entries(value).map((p) => markTuple(p));
  // A stable sort, reversed as Python's sorted(reverse=True) is (equal keys keep their order).
  const sorted = pairs.sort((a, b) => pythonOrder(folded(a[index], Boolean(caseSensitive)), folded(b[index], Boolean(caseSensitive))) * (reverse ? -1 : 1));
  return sorted;
}

/** A group of `groupby`: a (grouper, list) tuple with those two names, as Jinja2's namedtuple. */
type Group = [unknown, unknown[]] & { grouper: unknown; list: unknown[] };

/** `groupby(attribute, default=none, case_sensitive=false)`: the items grouped by the attribute, groups sorted. */
export function groupby(value: unknown, ...rest: unknown[]): Group[] {
  const { attribute = '', default: fallback, case_sensitive: caseSensitive = false } = bindArgs(rest, ['attribute', 'default', 'case_sensitive']);
  const items = Array.isArray(value) ? value : value === null || value === undefined ? [] : isMapping(value) ? Object.keys(value) : [...(value as Iterable<unknown>)];
  const keyOf = (item: unknown): unknown => {
    const v = attributeOf(item, String(attribute));
    return v === undefined ? fallback : v;
  };
  const sorted = items.map((item) => ({ item, key: folded(keyOf(item), Boolean(caseSensitive)) })).sort((a, b) => pythonOrder(a.key, b.key));
  const groups: Group[] = [];
  let current: { key: unknown; items: unknown[] } | undefined;
  const close = () => {
    if (!current) return;
    // The grouper is the first item's own value, not its lowercased key (as Jinja2).
    const group = markTuple([keyOf(current.items[0]), current.items]) as Group;
    group.grouper = group[0];
    group.list = group[1];
    groups.push(group);
  };
  for (const { item, key } of sorted) {
    if (current && pythonOrder(current.key, key) === 0) current.items.push(item);
    else {
      close();
      current = { key, items: [item] };
    }
  }
  close();
  return groups;
}

/** `truncate(length=255, killwords=false, end='...', leeway=5)`. */
export function truncate(value: unknown, ...rest: unknown[]): string {
  // Jinja2 takes the length of what it truncates: None or a number is Python's TypeError.
  if (value === null || value === undefined || isNumber(value) || typeof value === 'boolean') {
    throw new TypeError(`object of type '${pythonTypeName(value)}' has no len()`);
  }
  const text = String(value);
  const args = bindArgs(rest, ['length', 'killwords', 'end', 'leeway']);
  const killwords = Boolean(args['killwords']);
  const end = String(args['end'] ?? '...');
  // Jinja2 compares them with ints: a text there is Python's TypeError (it truncated to '...').
  for (const name of ['length', 'leeway'] as const) {
    if (args[name] !== undefined && !isNumeric(args[name])) throw new TypeError(`'>=' not supported between instances of '${pythonTypeName(args[name])}' and 'int'`);
  }
  const length = Number(args['length'] ?? 255);
  const leeway = Number(args['leeway'] ?? 5);
  if (length < end.length) throw new Error(`expected length >= ${end.length}, got ${length}`);
  if (leeway < 0) throw new Error(`expected leeway >= 0, got ${leeway}`);
  if (text.length <= length + leeway) return text;
  const head = text.slice(0, length - end.length);
  if (killwords) return head + end;
  const space = head.lastIndexOf(' ');
  return (space < 0 ? head : head.slice(0, space)) + end;
}
