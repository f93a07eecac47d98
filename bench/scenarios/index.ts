/**
 * Scenario registry: to add a scenario, write bench/scenarios/<name>.ts exporting a `Scenario`
 * (see bench/lib/scenario.ts) and list it here. `npm run bench` runs them in this order.
 */
import type { Scenario } from '../lib/scenario.js';
import { compileScenario } from './compile.js';
import { loadScenario } from './load.js';
import { noopScenario } from './noop.js';
import { overheadScenario } from './overhead.js';
import { pipelineScenario } from './pipeline.js';
import { seedScenario } from './seed.js';
import { testsScenario } from './tests.js';

export const scenarios: Scenario[] = [compileScenario, seedScenario, noopScenario, overheadScenario, testsScenario, loadScenario, pipelineScenario];
