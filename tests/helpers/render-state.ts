/** A model's render state for template unit tests: no vars, no env, relations in `analytics`. */
import { createRenderState, type RenderState } from '../../src/template/render-state.js';

export function modelRenderState(): RenderState {
  return createRenderState({
    nodeName: 'm',
    uniqueId: 'model.proj.m',
    file: 'models/m.sql',
    vars: () => ({ found: false }),
    env: {},
    target: { name: 'dev', schema: 'analytics', type: 'postgres', threads: 4 },
    resolve: () => ({ schema: 'analytics', identifier: 'm' }),
  });
}
