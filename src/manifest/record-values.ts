/**
 * `Object.values` / `Object.entries` for the manifest's id-keyed records (`nodes`, `sources`,
 * `parentMap`, `childMap`): with 40,000 keys such an object is a hash table, and V8 (Node 20)
 * takes ~30 ms a call to list its values in insertion order, where listing the keys and looking
 * each up takes ~12 ms. A cold compile lists them about ten times. Same values, same order.
 */
export function valuesOf<T>(record: Record<string, T>): T[] {
  const keys = Object.keys(record);
  const values = new Array<T>(keys.length);
  for (let i = 0; i < keys.length; i++) values[i] = record[keys[i]!]!;
  return values;
}

export function entriesOf<T>(record: Record<string, T>): Array<[string, T]> {
  const keys = Object.keys(record);
  const entries = new Array<[string, T]>(keys.length);
  for (let i = 0; i < keys.length; i++) entries[i] = [keys[i]!, record[keys[i]!]!];
  return entries;
}
