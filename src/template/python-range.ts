/**
 * Python's `range()` for templates, where nunjucks' own was a loop adding `step` until it passed
 * `stop`: from 2^53 on, `i + 1 === i` and the loop never ended (the process died of an array too
 * large, a V8 fatal error with no file or line); a step of 0 was taken as 1 and a float was
 * counted in fractions. Here, as in Python (and Jinja), the arguments are whole numbers (a bool
 * counts as 0 or 1), a zero step is a ValueError, and the result is the list of its values, which
 * a template may index, slice, measure or loop over.
 *
 * Two limits Python does not have, each an error naming what to do instead of a hang:
 * integers beyond 2^53 (JavaScript numbers cannot hold every one of them), and more than
 * MAX_RANGE_ITEMS values (Python's range is lazy; a template renders SQL, where ten million
 * loop iterations is a mistake, which Jinja's sandbox caps at 100,000).
 */
import { splitArgs } from './context-globals.js';
import { pythonTypeName } from './python-repr.js';

export const MAX_RANGE_ITEMS = 10_000_000;

/** An argument as Python takes it; a float (a PyFloat object when whole, python-float.ts) is a TypeError. */
function wholeNumber(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`'${pythonTypeName(value)}' object cannot be interpreted as an integer`);
  }
  if (!Number.isSafeInteger(value)) {
    throw new Error(`OverflowError: range() argument ${value} is beyond 2^53, past which strata's templates cannot count exactly; generate the series in SQL (generate_series)`);
  }
  return value;
}

/** How many values `range(start, stop, step)` has (step not 0). */
function rangeLength(start: number, stop: number, step: number): number {
  const span = step > 0 ? stop - start : start - stop;
  return span <= 0 ? 0 : Math.ceil(span / Math.abs(step));
}

export function pythonRange(...call: unknown[]): number[] {
  const { positional: args, kwargs } = splitArgs(call);
  if (Object.keys(kwargs).length > 0) throw new TypeError('range() takes no keyword arguments');
  if (args.length === 0) throw new TypeError('range expected at least 1 argument, got 0');
  if (args.length > 3) throw new TypeError(`range expected at most 3 arguments, got ${args.length}`);
  const n = args.map(wholeNumber);
  const [start, stop, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
  if (step === 0) throw new Error('ValueError: range() arg 3 must not be zero');
  const length = rangeLength(start, stop, step);
  if (length > MAX_RANGE_ITEMS) {
    throw new Error(`OverflowError: range() of ${length} values is more than a template renders (at most ${MAX_RANGE_ITEMS}); generate the series in SQL (generate_series)`);
  }
  return Array.from({ length }, (_, i) => start + i * step);
}
