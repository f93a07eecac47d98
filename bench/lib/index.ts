export { runCommand, treeRssBytes, descendantsOf, TreeSampler, type RunOptions, type RunResult } from './run-command.js';
export {
  alternate,
  median,
  type AlternateOptions,
  type AlternateResult,
  type Contender,
  type ContenderSummary,
  type Measurement,
  type RunSample,
} from './alternate.js';
export { machineFacts, type MachineFacts } from './machine.js';
export {
  writeResults,
  readAllResults,
  renderBenchmarksMarkdown,
  renderScenario,
  evaluateTargets,
  formatMs,
  formatBytes,
  formatRatio,
  formatMetric,
  BENCH_DIR,
  REPO_ROOT,
  RESULTS_DIR,
  BENCHMARKS_MD,
  type ResultGroup,
  type ScenarioResult,
  type TargetMetric,
  type TargetResult,
  type TargetSpec,
} from './results.js';
export { WORK_DIR, CACHE_DIR, ensureGenerated, fingerprint } from './workdir.js';
export { dataformCli, installDataform, DATAFORM_DIR, DATAFORM_NODE_MODULES } from './dataform.js';
export type { Scenario, ScenarioContext } from './scenario.js';
