/**
 * The `ephemeral` materialization: nothing is built. The compiler inlines the model into its
 * consumers as a CTE, so the plan is empty (and hooks, indexes and grants do not apply, as in dbt).
 */
import type { MaterializationPlan } from './types.js';

export function materializeEphemeral(): MaterializationPlan {
  return { action: 'ephemeral', statements: [] };
}
