/**
 * A selection criterion that matches no enabled node is almost always a typo (`-s reprot`), and
 * a run or build of it does nothing and exits 0: in CI that passes silently. dbt warns
 * ("The selection criterion 'x' does not match any enabled nodes"); so does strata, with the
 * closest node name for a name criterion. `state:` criteria are left out: nothing modified is the
 * normal outcome of a CI run on an unchanged project, not a mistake.
 */
import { StrataError } from '../errors/strata-error.js';
import type { Manifest } from '../manifest/types.js';
import { valuesOf } from '../manifest/record-values.js';
import { didYouMean } from './did-you-mean.js';
import type { SelectionCriterion } from './selection-spec.js';

export function unmatchedCriteriaWarnings(criteria: readonly SelectionCriterion[], manifest: Manifest): StrataError[] {
  const seen = new Set<string>();
  const warnings: StrataError[] = [];
  let names: string[] | undefined;
  for (const c of criteria) {
    if (c.method === 'state' || seen.has(c.raw)) continue;
    seen.add(c.raw);
    let hint = 'check the spelling; `strata ls -s ...` lists what a selection matches';
    if (c.method === 'fqn' && !c.value.includes('*')) {
      names ??= [...valuesOf(manifest.nodes).map((n) => n.name), ...valuesOf(manifest.sources).map((s) => `${s.sourceName}.${s.name}`)];
      const close = didYouMean(c.value, names);
      if (close) hint = `did you mean ${close}?`;
    }
    warnings.push(new StrataError('SELECTOR', `the selection criterion '${c.raw}' does not match any enabled node`, { hint }));
  }
  return warnings;
}
