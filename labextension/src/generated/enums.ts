// Generated from the server's OpenAPI document by `npm run gen:api`: do not edit.
import type { components, paths } from './api';
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
type P = paths;
export const sinkKinds: readonly NonNullable<
  NonNullable<
    NonNullable<
      P['/notifications/sinks']['get']['responses'][200]['content']['application/json']['sinks']
    >[number]
  >['kind']
>[] = ['webhook', 'slack', 'discord', 'ntfy', 'email'];
export const sinkEvents: readonly NonNullable<
  NonNullable<
    NonNullable<
      P['/notifications/sinks']['get']['responses'][200]['content']['application/json']['sinks']
    >[number]
  >['events']
>[number][] = [
  'succeeded',
  'failed',
  'stopped',
  'lost',
  'stalled',
  'sweep_finished',
  'setup_failed',
  'disk_full',
  'gpu_hot'
];
export const smtpSecurity: readonly NonNullable<
  NonNullable<
    NonNullable<
      P['/notifications/sinks']['get']['responses'][200]['content']['application/json']['sinks']
    >[number]
  >['security']
>[] = ['starttls', 'ssl', 'none'];
export const fireOutcomes: readonly NonNullable<
  NonNullable<
    NonNullable<
      NonNullable<
        P['/schedules']['get']['responses'][200]['content']['application/json']['schedules']
      >[number]
    >['fires']
  >[number]['outcome']
>[] = ['fired', 'skipped', 'missed', 'failed'];
