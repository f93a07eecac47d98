/** Public API of node selection (see README.md in this folder). */
export { buildGraph, ancestors, descendants, findCycles, type Graph } from './dag.js';
export { didYouMean, levenshtein } from './did-you-mean.js';
export { fnmatch, pathGlobMatch, hasWildcard } from './glob.js';
export { selectNodes, type SelectOptions } from './select.js';
export { parseSelectorsFile, checkSelectorReferences } from './selectors-file.js';
export {
  expressionToSpec,
  normaliseExpression,
  type SelectorDefinition,
  type SelectorExpression,
  type SelectorMethodDefinition,
} from './selector-definition.js';
export { parseCriterion, parseSelectionArgs, parseSelectExclude } from './selector-parser.js';
export type {
  IndirectSelection,
  SelectionCriterion,
  SelectionSpec,
  SelectorMethodName,
} from './selection-spec.js';
