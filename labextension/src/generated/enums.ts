// Generated from the server's OpenAPI document by `npm run gen:api`: do not edit.
import type { components } from './api';
type S = components['schemas'];
export const runStates: readonly NonNullable<S['Run']['state']>[] = [
  'queued',
  'starting',
  'running',
  'succeeded',
  'failed',
  'stopped',
  'lost'
];
export const setupStates: readonly NonNullable<NonNullable<S['Project']['setup']>['state']>[] = [
  'queued',
  'cloning',
  'creating_env',
  'installing',
  'ready',
  'failed'
];
