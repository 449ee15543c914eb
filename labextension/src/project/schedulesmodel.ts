/**
 * Each project's cron schedules, in the model: the Runs tab's Schedules section reads them through
 * `useModel(model.schedules, s => s.of(project))` and changes them through these methods. Every
 * change reads the list again, since the server computes each schedule's next fire times.
 */
import { api } from '../api';
import { Observable } from '../useModel';
import { ISchedule, IScheduleBody, IScheduleUpdate } from './schedules';

export class SchedulesModel extends Observable {
  private _lists = new Map<string, ISchedule[]>();
  private _errors = new Map<string, string>();

  /** A project's schedules as the server lists them; null until loaded. */
  of(project: string): ISchedule[] | null {
    return this._lists.get(project) ?? null;
  }

  /** Why the project's last load, toggle or delete failed (cleared by the next load that works). */
  errorOf(project: string): string | null {
    return this._errors.get(project) ?? null;
  }

  async load(project: string): Promise<void> {
    try {
      this._lists.set(project, await api.schedules(project));
      this._errors.delete(project);
    } catch (error) {
      this._errors.set(project, (error as Error).message);
    }
    this.emitChanged();
  }

  /** Throws the server's refusal (an ApiError naming the field) for the form to show. */
  async create(project: string, body: IScheduleBody): Promise<ISchedule> {
    return this._saved(await api.createSchedule(project, body));
  }

  async update(schedule: ISchedule, body: IScheduleUpdate): Promise<ISchedule> {
    return this._saved(await api.updateSchedule(schedule.id, body));
  }

  /** The box turns at once; the server's answer (next fire times) follows. */
  async setEnabled(schedule: ISchedule, enabled: boolean): Promise<void> {
    this._put({ ...schedule, enabled });
    await this._act(schedule.project, () => api.updateSchedule(schedule.id, { enabled }));
  }

  async remove(schedule: ISchedule): Promise<void> {
    await this._act(schedule.project, async () => {
      await api.deleteSchedule(schedule.id);
      this._lists.set(
        schedule.project,
        (this.of(schedule.project) || []).filter(s => s.id !== schedule.id)
      );
    });
  }

  /** A deleted project's schedules went with it. */
  forget(project: string): void {
    this._lists.delete(project);
    this._errors.delete(project);
    this.emitChanged();
  }

  /** A failure shows as the section's error; the list is read again either way. */
  private async _act(project: string, call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this._errors.set(project, (error as Error).message);
      this.emitChanged();
    }
    await this.load(project);
  }

  private _saved(schedule: ISchedule): ISchedule {
    this._put(schedule);
    void this.load(schedule.project);
    return schedule;
  }

  /** One schedule in its project's list at once (replacing its older self, or added at the end). */
  private _put(schedule: ISchedule): void {
    const list = this.of(schedule.project) || [];
    const known = list.some(s => s.id === schedule.id);
    this._lists.set(
      schedule.project,
      known ? list.map(s => (s.id === schedule.id ? schedule : s)) : [...list, schedule]
    );
    this.emitChanged();
  }
}
