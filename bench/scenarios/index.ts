/**
 * Scenario registry: to add a scenario, write bench/scenarios/<name>.ts exporting a `Scenario`
 * (see bench/lib/scenario.ts) and list it here. `npm run bench` runs them in this order.
 */
import type { Scenario } from '../lib/scenario.js';
import { compileScenario } from './compile.js';

export const scenarios: Scenario[] = [compileScenario];
