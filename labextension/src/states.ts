/**
 * Run and setup states as the server defines them: the value lists come from the OpenAPI document
 * (src/generated/, `npm run gen:api`), so a state added on the server reaches the panel
 * without a hand-copied list. Only which states are final is said here, and the generated union
 * types make a misspelt or removed state a compile error.
 */
import type { components } from './generated/api';
import { runStates, setupStates } from './generated/enums';

type Schemas = components['schemas'];
export type RunState = NonNullable<Schemas['Run']['state']>;
export type SetupState = NonNullable<NonNullable<Schemas['Project']['setup']>['state']>;

export const RUN_STATES: readonly RunState[] = runStates;
export const SETUP_STATES: readonly SetupState[] = setupStates;

const FINAL_RUN_STATES: readonly RunState[] = ['succeeded', 'failed', 'stopped', 'lost'];
const FINAL_SETUP_STATES: readonly SetupState[] = ['ready', 'failed'];

/** Queued, starting or running: a run that can still be stopped. */
export const ACTIVE_RUN_STATES: readonly RunState[] = RUN_STATES.filter(s => !FINAL_RUN_STATES.includes(s));

/** A setup still under way (every state but its outcomes). */
export const SETUP_IN_PROGRESS: readonly SetupState[] = SETUP_STATES.filter(
  s => !FINAL_SETUP_STATES.includes(s)
);

/** The steps a setup goes through, in order, ending at ready (the Overview's progress list). */
export const SETUP_STEPS: readonly SetupState[] = [...SETUP_IN_PROGRESS, 'ready'];
