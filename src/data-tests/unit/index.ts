/**
 * dbt 1.8 unit tests: a model run on given rows, its result compared with expected rows.
 * See README.md ("Unit tests") for the design.
 */
export { runUnitTest, prepareUnitTest, unitTestRunPath, type PreparedInput, type PreparedUnitTest, type UnitTestOptions } from './run-unit-test.js';
export { renderForUnitTest, describeTarget, macroOverridesOf, testedModel, type MissingInput, type UnitTestOverrides, type UnitTestRender } from './render.js';
export { parseRowsSpec, parseCsvRows, dictRows, findFixture, FixtureError, type ParsedRows, type RowsSpec } from './fixtures.js';
export { inferGivenType, dictValueKind, csvValueKind, planGivenTable, sqlLiteral, foldIdentifier, type ColumnPlan, type GivenRow, type GivenTablePlan } from './values.js';
export { compareRows, compareColumns, normalizeValue, canonicalNumber, kindOfOid, parsePgArray, type CompareColumn, type CompareKind, type DiffRow, type RowComparison } from './compare.js';
export { formatDiff, diffSummary, diffRows } from './diff.js';
