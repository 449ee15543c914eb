/** The sweep resources as the server renders them; the REST calls are in the one client (../api). */
import type { components } from '../generated/api';

type Schemas = components['schemas'];

/** A sweep as the server renders it (GET /sweeps lists it, GET /sweeps/{id} adds `runs`). */
export type ISweep = Schemas['Sweep'];
/** A sweep's parameter as the server normalised it. */
export type ISweepParameter = ISweep['parameters'][string];
/** One trial in GET /sweeps/{id}: its run, params and objective value so far. */
export type ISweepTrial = NonNullable<ISweep['runs']>[number];
/** What /events sends for a sweep: the sweep as it is now, or that it was deleted. */
export type ISweepEvent = ISweep | Schemas['SweepDeleted'];
