/**
 * SQL quoting for identifiers and literals.
 *
 * strata always double-quotes identifiers it generates: names keep the exact case the user wrote
 * (dbt-postgres quotes too) and reserved words like `order` or `user` just work. Literals use
 * standard SQL quoting, switching to E'' only when a backslash forces it, exactly like libpq's
 * PQescapeLiteral, so the result is safe whatever `standard_conforming_strings` says.
 */
import type { RelationName } from '../../manifest/types.js';
import { StrataError } from '../../errors/strata-error.js';

/** PostgreSQL's NAMEDATALEN - 1: longer identifiers are silently truncated by the server. */
export const MAX_IDENTIFIER_BYTES = 63;

export function quoteIdent(name: string): string {
  if (name.length === 0) throw new StrataError('IDENTIFIER', 'empty identifier');
  if (name.includes('\0')) {
    throw new StrataError('IDENTIFIER', `identifier ${JSON.stringify(name)} contains a NUL character`);
  }
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  if (value.includes('\0')) {
    throw new StrataError('IDENTIFIER', 'string literal contains a NUL character, which PostgreSQL text cannot hold');
  }
  const body = value.replace(/'/g, "''");
  if (!value.includes('\\')) return `'${body}'`;
  return `E'${body.replace(/\\/g, '\\\\')}'`;
}

/** `"schema"."identifier"` (the database part is dropped: PostgreSQL cannot cross databases). */
export function relationSql(relation: Pick<RelationName, 'schema' | 'identifier'>): string {
  return `${quoteIdent(relation.schema)}.${quoteIdent(relation.identifier)}`;
}

/** The name the server would actually use: cut to 63 bytes on a character boundary. */
export function truncateIdentifier(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_IDENTIFIER_BYTES) return name;
  let out = '';
  let bytes = 0;
  for (const ch of name) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > MAX_IDENTIFIER_BYTES) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * Returns a description of the problem when `name` is longer than 63 UTF-8 bytes (the limit is
 * in bytes, so 32 two-byte characters are already too long), or undefined when it fits. Callers
 * turn it into an 'IDENTIFIER' error at the node's location; silently truncated names would make
 * two models collide or a ref point at the wrong table.
 */
export function checkIdentifierLength(name: string): string | undefined {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes <= MAX_IDENTIFIER_BYTES) return undefined;
  const chars = [...name].length;
  const size = bytes === chars ? `${bytes} bytes` : `${bytes} bytes (${chars} characters)`;
  return (
    `identifier "${name}" is ${size} long; PostgreSQL truncates identifiers to ` +
    `${MAX_IDENTIFIER_BYTES} bytes, so it would become "${truncateIdentifier(name)}"`
  );
}
