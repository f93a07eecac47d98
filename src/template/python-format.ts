/**
 * Python's `str.format`, as Jinja2 runs it for `'{:>8.2f}'.format(x)` in a template: `{{`/`}}`
 * escapes, replacement fields (`{}`, `{0}`, `{name}`, then `.attr` and `[key]`), the conversions
 * `!s`/`!r`/`!a`, replacement fields nested in the format spec, and the format-spec mini-language
 * for strings, integers and floats, with Python's error messages.
 *
 * The parsing and the number layout are ports of CPython's (Objects/stringlib/unicode_format.h,
 * Python/formatter_unicode.c, Python/pystrtod.c), so the edge cases come out as Python's: where
 * padding goes, how `0` padding interacts with `,` grouping, `g` switching to an exponent, the
 * half-even rounding of `.2f`.
 *
 * JavaScript numbers stand for Python's int and float: an integral number is an int (`{:d}`, `{:x}`,
 * `{}` prints `3`), any other one a float (`{}` prints its repr, `{:d}` fails as on a float). A
 * float presentation type (`f`, `e`, `%`...) formats either as a float, as Python converts an int.
 */
import { PyFloat } from './python-float.js';
import { isMapping, isTuple, pythonRepr, pythonStr, pythonTypeName, reprString } from './python-repr.js';

/** CPython's recursion budget: a spec may nest one level of replacement fields, not two. */
const MAX_DEPTH = 2;

/** Automatic (`{}`) or manual (`{0}`) numbering: one format string may not mix them, nested fields included. */
interface Numbering {
  state: 'init' | 'auto' | 'manual';
  next: number;
}

/** `template.format(*positional, **keywords)`. Throws an Error with Python's message when Python raises. */
export function pythonFormat(template: string, positional: unknown[], keywords: Record<string, unknown>): string {
  return expand(template, positional, keywords, MAX_DEPTH, { state: 'init', next: 0 });
}

function expand(template: string, args: unknown[], kwargs: Record<string, unknown>, depth: number, numbering: Numbering): string {
  if (depth <= 0) throw new Error('Max string recursion exceeded');
  let out = '';
  let i = 0;
  while (i < template.length) {
    let j = i;
    while (j < template.length && template[j] !== '{' && template[j] !== '}') j++;
    out += template.slice(i, j);
    if (j >= template.length) break;
    const brace = template[j];
    const doubled = template[j + 1] === brace;
    if (brace === '}') {
      if (!doubled) throw new Error("Single '}' encountered in format string");
      out += '}';
      i = j + 2;
      continue;
    }
    if (j + 1 >= template.length) throw new Error("Single '{' encountered in format string");
    if (doubled) {
      out += '{';
      i = j + 2;
      continue;
    }
    const field = parseField(template, j + 1);
    let value = fieldValue(field.name, args, kwargs, numbering);
    if (field.conversion !== undefined) value = convert(value, field.conversion);
    // The spec's own fields are filled in after the value is looked up, sharing its numbering:
    // `'{:{}}'.format(x, 5)` takes x, then 5.
    const spec = field.nested ? expand(field.spec, args, kwargs, depth - 1, numbering) : field.spec;
    out += formatValue(value, spec);
    i = field.end;
  }
  return out;
}

interface Field {
  name: string;
  conversion: string | undefined;
  spec: string;
  /** The spec holds replacement fields of its own (`{:{width}}`). */
  nested: boolean;
  /** Index just past the field's closing `}`. */
  end: number;
}

/** One replacement field, from just after its `{` (CPython's parse_field). */
function parseField(s: string, start: number): Field {
  let i = start;
  let c = '';
  // The name runs to the first `}`, `:` or `!` outside brackets: `{0[:]}` is item ':' of arg 0.
  while (i < s.length) {
    c = s[i++]!;
    if (c === '{') throw new Error("unexpected '{' in field name");
    if (c === '[') {
      while (i < s.length && s[i] !== ']') i++;
      continue;
    }
    if (c === '}' || c === ':' || c === '!') break;
  }
  const name = s.slice(start, i - 1);
  if (c === '}') return { name, conversion: undefined, spec: '', nested: false, end: i };
  if (c !== '!' && c !== ':') throw new Error("expected '}' before end of string");
  let conversion: string | undefined;
  if (c === '!') {
    if (i >= s.length) throw new Error('end of string while looking for conversion specifier');
    conversion = String.fromCodePoint(s.codePointAt(i)!);
    i += conversion.length;
    if (i < s.length) {
      const next = s[i++];
      if (next === '}') return { name, conversion, spec: '', nested: false, end: i };
      if (next !== ':') throw new Error("expected ':' after conversion specifier");
    }
  }
  // The spec ends at the `}` that balances the field's `{`.
  const specStart = i;
  let open = 1;
  let nested = false;
  while (i < s.length) {
    const ch = s[i++];
    if (ch === '{') {
      nested = true;
      open++;
    } else if (ch === '}' && --open === 0) {
      return { name, conversion, spec: s.slice(specStart, i - 1), nested, end: i };
    }
  }
  throw new Error("unmatched '{' in format spec");
}

/** A non-negative decimal index, or undefined for a name (`-1` and `x` are names, as in Python). */
function decimalIndex(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  if (BigInt(text) > 9223372036854775807n) throw new Error('Too many decimal digits in format string');
  return Number(text);
}

/** The value a field name designates: an argument, then each `.attr` and `[key]` in turn. */
function fieldValue(name: string, args: unknown[], kwargs: Record<string, unknown>, numbering: Numbering): unknown {
  const firstEnd = name.search(/[.[]/);
  const first = firstEnd < 0 ? name : name.slice(0, firstEnd);
  const rest = firstEnd < 0 ? '' : name.slice(firstEnd);
  let index = decimalIndex(first);
  if (first === '' || index !== undefined) {
    const automatic = first === '';
    if (numbering.state === 'init') numbering.state = automatic ? 'auto' : 'manual';
    if (numbering.state === 'manual' && automatic) throw new Error('cannot switch from manual field specification to automatic field numbering');
    if (numbering.state === 'auto' && !automatic) throw new Error('cannot switch from automatic field numbering to manual field specification');
    if (automatic) index = numbering.next++;
  }
  let value: unknown;
  if (index === undefined) {
    if (!Object.prototype.hasOwnProperty.call(kwargs, first)) throw new Error(`KeyError: ${reprString(first)}`);
    value = kwargs[first];
  } else {
    if (index >= args.length) throw new Error(`Replacement index ${index} out of range for positional args tuple`);
    value = args[index];
  }
  let p = 0;
  while (p < rest.length) {
    const kind = rest[p++];
    const partStart = p;
    let part: string;
    if (kind === '.') {
      while (p < rest.length && rest[p] !== '.' && rest[p] !== '[') p++;
      part = rest.slice(partStart, p);
    } else if (kind === '[') {
      while (p < rest.length && rest[p] !== ']') p++;
      if (p >= rest.length) throw new Error("Missing ']' in format string");
      part = rest.slice(partStart, p++);
    } else {
      throw new Error("Only '.' or '[' may follow ']' in format field specifier");
    }
    if (part === '') throw new Error('Empty attribute in format string');
    value = kind === '.' ? attributeOf(value, part) : itemOf(value, part);
  }
  return value;
}

/** Whether `key` is one of the object's own data: a dict's key, an instance's property or getter. */
function hasMember(value: object, key: string): boolean {
  if (isMapping(value)) return Object.prototype.hasOwnProperty.call(value, key);
  return key in value && !(key in Object.prototype);
}

/**
 * `{0.attr}`. A dict's key is accepted as an attribute too: strata's plain objects stand for
 * Python dicts and objects alike (and dbt's sandboxed Jinja reads attributes that way).
 */
function attributeOf(value: unknown, name: string): unknown {
  if ((typeof value === 'object' || typeof value === 'function') && value !== null && !Array.isArray(value) && hasMember(value, name)) {
    return (value as Record<string, unknown>)[name];
  }
  throw new Error(`'${pythonTypeName(value)}' object has no attribute '${name}'`);
}

/** `{0[1]}` and `{0[key]}`: digits index a sequence (or are an int key), anything else is a str key. */
function itemOf(value: unknown, key: string): unknown {
  const index = decimalIndex(key);
  if (Array.isArray(value) || typeof value === 'string') {
    const type = pythonTypeName(value);
    const items = typeof value === 'string' ? Array.from(value) : value;
    if (index === undefined) {
      throw new Error(type === 'str' ? "string indices must be integers, not 'str'" : `${type} indices must be integers or slices, not str`);
    }
    if (index >= items.length) throw new Error(`${type === 'str' ? 'string' : type} index out of range`);
    return items[index];
  }
  if (typeof value === 'object' && value !== null) {
    const name = index === undefined ? key : String(index);
    if (hasMember(value, name)) return (value as Record<string, unknown>)[name];
    throw new Error(`KeyError: ${index === undefined ? reprString(key) : index}`);
  }
  throw new Error(`'${pythonTypeName(value)}' object is not subscriptable`);
}


/** A CPython message's rendering of one character: quoted if printable ASCII, else `\xNN`. */
function charName(ch: string, quote: string): string {
  const code = ch.codePointAt(0)!;
  return code > 32 && code < 127 ? `${quote}${ch}${quote}` : `${quote}\\x${code.toString(16)}${quote}`;
}

/** `!s`, `!r`, `!a` (and `%s`, `%r`, `%a`: python-semantics.ts). */
export function convert(value: unknown, conversion: string): string {
  switch (conversion) {
    case 's':
      return strOf(value);
    case 'r':
      return reprOf(value);
    case 'a':
      return asciiOf(reprOf(value));
    default:
      throw new Error(`Unknown conversion specifier ${charName(conversion, '')}`);
  }
}

/** str(): numbers as Python prints an int or a float; an undefined value as nothing (Jinja's Undefined). */
function strOf(value: unknown): string {
  return String(pythonStr(value));
}

function reprOf(value: unknown): string {
  return value === undefined ? 'Undefined' : pythonRepr(value);
}

/** ascii(): the repr with its non-ASCII characters escaped. */
function asciiOf(repr: string): string {
  let out = '';
  for (const ch of repr) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) out += ch;
    else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return out;
}

/** format(value, spec): each type reads the spec its own way, as Python's `__format__` methods do. */
export function formatValue(value: unknown, spec: string): string {
  if (spec === '') return strOf(value);
  // A datetime formats through strftime (Python's datetime.__format__); checked first, as
  // run_started_at is also a String.
  const strftime = value !== null && typeof value === 'object' ? (value as { strftime?: unknown }).strftime : undefined;
  if (typeof strftime === 'function') return String(strftime.call(value, spec));
  if (typeof value === 'string' || value instanceof String) return formatString(String(value), parseSpec(spec, 'str', 's', '<'));
  if (typeof value === 'boolean') return formatInt(value ? 1n : 0n, value ? 1 : 0, spec, 'bool');
  if (typeof value === 'bigint') return formatInt(value, Number(value), spec, 'int');
  if (typeof value === 'number' || value instanceof PyFloat) {
    // A whole number is an int unless it is a float (python-float.ts): '{:d}'.format(1.0) is an error.
    if (typeof value === 'number' && Number.isInteger(value)) return formatInt(BigInt(value), value, spec, 'int');
    const f = parseSpec(spec, 'float', '', '>');
    if (!['', 'e', 'E', 'f', 'F', 'g', 'G', 'n', '%'].includes(f.type)) throw unknownCode(f.type, 'float');
    return formatFloat(Number(value), f);
  }
  // object.__format__: None, lists, dicts and other objects accept only an empty spec.
  throw new Error(`unsupported format string passed to ${pythonTypeName(value)}.__format__`);
}

/** A parsed spec: `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`. */
interface Spec {
  fill: string;
  align: string;
  sign: string;
  noNegativeZero: boolean;
  alternate: boolean;
  /** -1 when not given. */
  width: number;
  grouping: '' | ',' | '_';
  /** -1 when not given. */
  precision: number;
  type: string;
}

function unknownCode(type: string, typeNameText: string): Error {
  return new Error(`Unknown format code ${charName(type, "'")} for object of type '${typeNameText}'`);
}

/** CPython's parse_internal_render_format_spec; the defaults differ by type (strings align left). */
function parseSpec(spec: string, typeNameText: string, defaultType: string, defaultAlign: string): Spec {
  // Code points, not UTF-16 units: the fill may be any character.
  const cs = Array.from(spec);
  const isAlign = (ch: string | undefined) => ch !== undefined && '<>=^'.includes(ch);
  const f: Spec = { fill: ' ', align: defaultAlign, sign: '', noNegativeZero: false, alternate: false, width: -1, grouping: '', precision: -1, type: defaultType };
  let pos = 0;
  let fillGiven = false;
  let alignGiven = false;
  if (cs.length >= 2 && isAlign(cs[1])) {
    f.fill = cs[0]!;
    f.align = cs[1]!;
    fillGiven = alignGiven = true;
    pos = 2;
  } else if (isAlign(cs[0])) {
    f.align = cs[0]!;
    alignGiven = true;
    pos = 1;
  }
  if (cs[pos] === '+' || cs[pos] === '-' || cs[pos] === ' ') f.sign = cs[pos++]!;
  if (cs[pos] === 'z') {
    f.noNegativeZero = true;
    pos++;
  }
  if (cs[pos] === '#') {
    f.alternate = true;
    pos++;
  }
  // `0` before the width means zero padding after the sign (`=`), for the types aligned right.
  if (!fillGiven && cs[pos] === '0') {
    f.fill = '0';
    if (!alignGiven && defaultAlign === '>') f.align = '=';
    pos++;
  }
  const readInteger = (): string => {
    let digits = '';
    while (pos < cs.length && /^[0-9]$/.test(cs[pos]!)) digits += cs[pos++];
    if (digits !== '' && BigInt(digits) > 9223372036854775807n) throw new Error('Too many decimal digits in format string');
    return digits;
  };
  const width = readInteger();
  if (width !== '') f.width = Number(width);
  if (cs[pos] === ',') {
    f.grouping = ',';
    pos++;
  }
  if (cs[pos] === '_') {
    if (f.grouping !== '') throw new Error("Cannot specify both ',' and '_'.");
    f.grouping = '_';
    pos++;
  }
  if (cs[pos] === ',' && f.grouping === '_') throw new Error("Cannot specify both ',' and '_'.");
  if (cs[pos] === '.') {
    pos++;
    const precision = readInteger();
    if (precision === '') throw new Error('Format specifier missing precision');
    f.precision = Number(precision);
  }
  if (cs.length - pos > 1) throw new Error(`Invalid format specifier '${spec}' for object of type '${typeNameText}'`);
  if (cs.length - pos === 1) f.type = cs[pos]!;
  if (f.grouping !== '' && !['d', 'e', 'f', 'g', 'E', 'G', '%', 'F', ''].includes(f.type)) {
    // `_` groups binary, octal and hex digits by four; `,` never applies to them.
    if (f.grouping !== '_' || !['b', 'o', 'x', 'X'].includes(f.type)) {
      throw new Error(`Cannot specify '${f.grouping}' with ${charName(f.type, "'")}.`);
    }
  }
  return f;
}

/** Pads `text` (of `length` characters) to the spec's width by its alignment. */
function pad(text: string, length: number, f: Spec): string {
  const padding = Math.max(0, f.width - length);
  const left = f.align === '>' ? padding : f.align === '^' ? Math.floor(padding / 2) : 0;
  return f.fill.repeat(left) + text + f.fill.repeat(padding - left);
}

function formatString(s: string, f: Spec): string {
  if (f.type !== 's') throw unknownCode(f.type, 'str');
  if (f.sign === ' ') throw new Error('Space not allowed in string format specifier');
  if (f.sign !== '') throw new Error('Sign not allowed in string format specifier');
  if (f.noNegativeZero) throw new Error('Negative zero coercion (z) not allowed in string format specifier');
  if (f.alternate) throw new Error('Alternate form (#) not allowed in string format specifier');
  if (f.align === '=') throw new Error("'=' alignment not allowed in string format specifier");
  let chars = Array.from(s);
  if (f.precision >= 0) chars = chars.slice(0, f.precision);
  return pad(chars.join(''), chars.length, f);
}

/** int.__format__ (bool's too); `asFloat` is the value a float presentation type formats. */
function formatInt(n: bigint, asFloat: number, spec: string, typeNameText: string): string {
  const f = parseSpec(spec, typeNameText, 'd', '>');
  if (['e', 'E', 'f', 'F', 'g', 'G', '%'].includes(f.type)) return formatFloat(asFloat, f);
  if (!['b', 'c', 'd', 'o', 'x', 'X', 'n'].includes(f.type)) throw unknownCode(f.type, typeNameText);
  if (f.precision !== -1) throw new Error('Precision not allowed in integer format specifier');
  if (f.noNegativeZero) throw new Error('Negative zero coercion (z) not allowed in integer format specifier');
  if (f.type === 'c') {
    if (f.sign !== '') throw new Error("Sign not allowed with integer format specifier 'c'");
    if (f.alternate) throw new Error("Alternate form (#) not allowed with integer format specifier 'c'");
    if (n < 0n || n > 0x10ffffn) throw new Error('%c arg not in range(0x110000)');
    // The character is laid out like a number's non-digit tail: `{:05c}` pads it with zeros.
    return layoutNumber({ negative: false, prefix: '', digits: '', decimal: false, tail: String.fromCodePoint(Number(n)) }, f);
  }
  const base = f.type === 'b' ? 2 : f.type === 'o' ? 8 : f.type === 'x' || f.type === 'X' ? 16 : 10;
  let digits = (n < 0n ? -n : n).toString(base);
  let prefix = f.alternate && base !== 10 ? `0${f.type === 'b' ? 'b' : f.type === 'o' ? 'o' : 'x'}` : '';
  if (f.type === 'X') {
    digits = digits.toUpperCase();
    prefix = prefix.toUpperCase();
  }
  return layoutNumber({ negative: n < 0n, prefix, digits, decimal: false, tail: '' }, f, base === 10 ? 3 : 4);
}

/** float.__format__, with the spec already parsed (an int formats as a float through here too). */
function formatFloat(x: number, f: Spec): string {
  let type = f.type;
  let precision = f.precision;
  let defaultPrecision = 6;
  let addDotZero = false;
  if (type === '') {
    // No type: repr without a precision, else like `g` but keeping a `.0` (and switching to an
    // exponent one digit sooner).
    addDotZero = true;
    type = 'r';
    defaultPrecision = 0;
  }
  if (type === 'n') type = 'g'; // `n` is `g` in the C locale Python starts in.
  let percent = false;
  if (type === '%') {
    type = 'f';
    x *= 100;
    percent = true;
  }
  if (precision < 0) precision = defaultPrecision;
  else if (type === 'r') type = 'g';
  let text = doubleToString(x, type, precision, f.alternate, addDotZero, f.noNegativeZero);
  if (percent) text += '%';
  const negative = text.startsWith('-');
  if (negative) text = text.slice(1);
  const digits = /^[0-9]*/.exec(text)![0];
  const decimal = text[digits.length] === '.';
  return layoutNumber({ negative, prefix: '', digits, decimal, tail: text.slice(digits.length + (decimal ? 1 : 0)) }, f, 3);
}

/**
 * The parts of a formatted number: sign, `0x` prefix, the integer digits (grouped and zero padded
 * here), the decimal point, and the tail (fraction, exponent, `%`) copied as it is.
 */
interface NumberParts {
  negative: boolean;
  prefix: string;
  digits: string;
  decimal: boolean;
  tail: string;
}

/**
 * CPython's calc_number_widths and fill_number: `[lpad][sign][prefix][spad][digits][.][tail][rpad]`.
 * Zero padding (`0` fill with `=`) is done by the grouping, so `{:010,}` pads with grouped zeros.
 */
function layoutNumber(p: NumberParts, f: Spec, groupSize = 3): string {
  const sign = p.negative ? '-' : f.sign === '+' ? '+' : f.sign === ' ' ? ' ' : '';
  const fixed = sign.length + p.prefix.length + (p.decimal ? 1 : 0) + Array.from(p.tail).length;
  const minWidth = f.fill === '0' && f.align === '=' ? f.width - fixed : 0;
  // `n` groups by the locale, and Python's is C's: no grouping.
  const grouped = p.digits === '' ? '' : groupDigits(p.digits, minWidth, f.grouping === '' ? 0 : groupSize, f.grouping);
  const padding = Math.max(0, f.width - (fixed + grouped.length));
  const left = f.align === '>' ? padding : f.align === '^' ? Math.floor(padding / 2) : 0;
  const inner = f.align === '=' ? padding : 0;
  const right = padding - left - inner;
  return f.fill.repeat(left) + sign + p.prefix + f.fill.repeat(inner) + grouped + (p.decimal ? '.' : '') + p.tail + f.fill.repeat(right);
}

/**
 * CPython's _PyUnicode_InsertThousandsGrouping: separators every `groupSize` digits from the
 * right (none when 0), with leading zeros added, grouped too, until `minWidth` is reached.
 */
function groupDigits(digits: string, minWidth: number, groupSize: number, separator: string): string {
  const groups: string[] = [];
  let remaining = digits.length;
  let width = Math.max(0, minWidth);
  const take = (len: number) => {
    const chars = Math.max(0, Math.min(remaining, len));
    groups.push('0'.repeat(Math.max(0, len - remaining)) + digits.slice(remaining - chars, remaining));
    remaining -= chars;
  };
  if (groupSize > 0) {
    for (;;) {
      const len = Math.min(groupSize, Math.max(remaining, width, 1));
      take(len);
      width -= len;
      if (remaining <= 0 && width <= 0) return groups.reverse().join(separator);
      width -= separator.length;
    }
  }
  take(Math.max(remaining, width, 1));
  return groups.reverse().join(separator);
}

/**
 * CPython's PyOS_double_to_string for `e`, `f`, `g` (upper case: `E`, `F`, `G`) and `r` (repr):
 * the digits, correctly rounded, laid out with or without an exponent.
 */
function doubleToString(x: number, type: string, precision: number, alternate: boolean, addDotZero: boolean, noNegativeZero: boolean): string {
  const upper = type === 'E' || type === 'F' || type === 'G';
  const code = type.toLowerCase();
  let negative = x < 0 || Object.is(x, -0);
  if (!Number.isFinite(x)) {
    const text = Number.isNaN(x) ? 'nan' : `${negative ? '-' : ''}inf`;
    return upper ? text.toUpperCase() : text;
  }
  let ndigits = precision;
  if (code === 'e') ndigits = precision + 1;
  if (code === 'g' && precision === 0) ndigits = precision = 1;
  if (code === 'r') addDotZero = true;
  let { digits, decpt } = code === 'r' ? shortestDigits(Math.abs(x)) : roundedDigits(Math.abs(x), code === 'f' ? 'fraction' : 'significant', ndigits);
  if (noNegativeZero && negative && (digits === '' || digits === '0')) negative = false;

  // Which slice of the digits, padded with zeros on both sides, is printed (CPython's vdigits).
  let useExponent = false;
  let end = digits.length;
  if (code === 'e') {
    useExponent = true;
    end = ndigits;
  } else if (code === 'f') {
    end = decpt + precision;
  } else if (code === 'g') {
    if (decpt <= -4 || decpt > (addDotZero ? precision - 1 : precision)) useExponent = true;
    if (alternate) end = precision;
  } else if (decpt <= -4 || decpt > 16) {
    useExponent = true;
  }
  let exponent = 0;
  if (useExponent) {
    exponent = decpt - 1;
    decpt = 1;
  }
  const start = decpt <= 0 ? decpt - 1 : 0;
  end = !useExponent && addDotZero ? Math.max(end, decpt + 1) : Math.max(end, decpt);

  let out = decpt <= 0 ? `${'0'.repeat(decpt - start)}.${'0'.repeat(-decpt)}` : '';
  out += decpt > 0 && decpt <= digits.length ? `${digits.slice(0, decpt)}.${digits.slice(decpt)}` : digits;
  out += digits.length < decpt ? `${'0'.repeat(decpt - digits.length)}.${'0'.repeat(end - decpt)}` : '0'.repeat(end - digits.length);
  if (out.endsWith('.') && !alternate) out = out.slice(0, -1);
  if (useExponent) out += `${upper ? 'E' : 'e'}${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return (negative ? '-' : '') + out;
}

/** Digits without trailing zeros and the decimal point's position: x = 0.digits × 10^decpt. */
interface Digits {
  digits: string;
  decpt: number;
}

/** The shortest digits that read back as x (what repr prints); JavaScript's own shortest form. */
function shortestDigits(x: number): Digits {
  if (x === 0) return { digits: '0', decpt: 1 };
  const [mantissa, exp] = x.toExponential().split('e') as [string, string];
  return { digits: mantissa.replace('.', '').replace(/0+$/, ''), decpt: Number(exp) + 1 };
}

/** The exact decimal expansion of a finite double (every double has a finite one). */
function exactDigits(x: number): Digits {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp2 = biased === 0 ? -1074 : biased - 1075;
  // mantissa × 2^exp2; with exp2 < 0 that is mantissa × 5^-exp2 / 10^-exp2.
  const text = exp2 >= 0 ? (mantissa << BigInt(exp2)).toString() : (mantissa * 5n ** BigInt(-exp2)).toString();
  const decpt = text.length + Math.min(0, exp2);
  return { digits: text.replace(/0+$/, ''), decpt };
}

/**
 * x rounded half-even on its exact value (as Python's dtoa does; JavaScript's toFixed rounds
 * halves up): to `n` significant digits, or to `n` digits after the point. A value rounded away
 * entirely has no digits (and its decpt is -n, as dtoa gives).
 */
function roundedDigits(x: number, mode: 'significant' | 'fraction', n: number): Digits {
  if (x === 0) return { digits: '0', decpt: 1 };
  const { digits, decpt } = exactDigits(x);
  const keep = mode === 'significant' ? n : decpt + n;
  if (keep >= digits.length) return { digits, decpt };
  if (keep < 0) return { digits: '', decpt: -n };
  const kept = digits.slice(0, keep);
  const dropped = digits.slice(keep);
  // `dropped` has no trailing zeros, so more than one digit after a 5 means above the half.
  const lastKeptOdd = kept !== '' && Number(kept[kept.length - 1]) % 2 === 1;
  const up = dropped[0]! > '5' || (dropped[0] === '5' && (dropped.length > 1 || lastKeptOdd));
  if (!up) return kept === '' ? { digits: '', decpt: -n } : { digits: kept.replace(/0+$/, ''), decpt };
  if (kept === '') return { digits: '1', decpt: decpt + 1 };
  const bumped = (BigInt(kept) + 1n).toString();
  // 999 → 1000: one more digit before the point.
  return { digits: bumped.slice(0, keep).replace(/0+$/, ''), decpt: decpt + (bumped.length - kept.length) };
}
