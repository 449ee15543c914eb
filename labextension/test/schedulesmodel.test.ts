import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from '../src/api';
import { ISchedule } from '../src/project/schedules';
import { SchedulesModel } from '../src/project/schedulesmodel';

const schedule = (id: string, project: string, patch: Partial<ISchedule> = {}): ISchedule =>
  ({
    id,
    project,
    cron: '0 2 * * *',
    timezone: 'UTC',
    run: { args: [] },
    enabled: true,
    next: ['2026-12-03T02:00:00+00:00'],
    fires: [],
    ...patch
  }) as ISchedule;

/** Each project's schedules as the server holds them; `next` empties for a disabled one, as there. */
function stubServer(lists: Record<string, ISchedule[]>) {
  vi.spyOn(api, 'schedules').mockImplementation(async name =>
    (lists[name] || []).map(s => ({ ...s, next: s.enabled ? s.next : [] }))
  );
  return lists;
}

const settle = () => new Promise(resolve => setTimeout(resolve, 0));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('SchedulesModel', () => {
  it('holds each project’s list apart, null until loaded', async () => {
    stubServer({ a: [schedule('s1', 'a')], b: [schedule('s2', 'b'), schedule('s3', 'b')] });
    const model = new SchedulesModel();
    expect(model.of('a')).toBeNull();
    await model.load('a');
    await model.load('b');
    expect(model.of('a')?.map(s => s.id)).toEqual(['s1']);
    expect(model.of('b')?.map(s => s.id)).toEqual(['s2', 's3']);
    expect(api.schedules).toHaveBeenCalledWith('a');
  });

  it('shows a created schedule in its project’s list at once, then reads the list again', async () => {
    const lists = stubServer({ a: [schedule('s1', 'a')], b: [] });
    const model = new SchedulesModel();
    await model.load('a');
    await model.load('b');
    const made = schedule('s9', 'a', { cron: '0 3 * * *' });
    vi.spyOn(api, 'createSchedule').mockImplementation(async (_, body) => {
      lists.a.push(made);
      return { ...made, ...body } as ISchedule;
    });
    const body = { cron: '0 3 * * *', timezone: 'UTC', enabled: true, run: { args: ['--lr', '0.5'] } };
    let reloaded = (): void => undefined;
    const reload = vi
      .spyOn(api, 'schedules')
      .mockReturnValue(new Promise(resolve => (reloaded = () => resolve(lists.a))));
    const created = await model.create('a', body);
    expect(api.createSchedule).toHaveBeenCalledWith('a', body);
    expect(created.run.args).toEqual(['--lr', '0.5']);
    expect(model.of('a')?.map(s => s.id)).toEqual(['s1', 's9']);
    expect(model.of('b')).toEqual([]);
    expect(reload).toHaveBeenCalledWith('a');
    reloaded();
    await settle();
    expect(model.of('a')?.map(s => s.id)).toEqual(['s1', 's9']);
    expect(model.of('a')?.[1].run.args).toEqual([]);
  });

  it('passes a refusal on to the form and leaves the list as it was', async () => {
    stubServer({ a: [] });
    const model = new SchedulesModel();
    await model.load('a');
    vi.spyOn(api, 'createSchedule').mockRejectedValue(new ApiError('unknown time zone', 400, 'timezone'));
    await expect(
      model.create('a', { cron: '0 3 * * *', timezone: 'Mars/Olympus', enabled: true })
    ).rejects.toMatchObject({
      field: 'timezone'
    });
    expect(model.of('a')).toEqual([]);
  });

  it('turns the box at once, then shows the server’s answer (no next fires while paused)', async () => {
    const lists = stubServer({ a: [schedule('s1', 'a')] });
    const model = new SchedulesModel();
    await model.load('a');
    const seen: (boolean | undefined)[] = [];
    vi.spyOn(api, 'updateSchedule').mockImplementation(async (id, body) => {
      seen.push(model.of('a')?.[0].enabled);
      lists.a = lists.a.map(s => (s.id === id ? { ...s, ...body } : s));
      return lists.a[0];
    });
    await model.setEnabled(model.of('a')![0], false);
    expect(api.updateSchedule).toHaveBeenCalledWith('s1', { enabled: false });
    expect(seen).toEqual([false]);
    expect(model.of('a')?.[0]).toMatchObject({ enabled: false, next: [] });
  });

  it('replaces an edited schedule in its list', async () => {
    stubServer({ a: [schedule('s1', 'a'), schedule('s2', 'a')] });
    const model = new SchedulesModel();
    await model.load('a');
    const edited = schedule('s2', 'a', { cron: '*/5 * * * *' });
    vi.spyOn(api, 'updateSchedule').mockResolvedValue(edited);
    vi.spyOn(api, 'schedules').mockReturnValue(new Promise(() => undefined)); // the reload still under way
    await model.update(model.of('a')![1], { cron: '*/5 * * * *' });
    expect(api.updateSchedule).toHaveBeenCalledWith('s2', { cron: '*/5 * * * *' });
    expect(model.of('a')?.map(s => s.cron)).toEqual(['0 2 * * *', '*/5 * * * *']);
  });

  it('a deleted schedule leaves its list; a failed delete shows as the section’s error until the reload', async () => {
    const lists = stubServer({ a: [schedule('s1', 'a'), schedule('s2', 'a')] });
    const model = new SchedulesModel();
    await model.load('a');
    vi.spyOn(api, 'deleteSchedule').mockImplementation(async id => {
      lists.a = lists.a.filter(s => s.id !== id);
    });
    await model.remove(model.of('a')![0]);
    expect(api.deleteSchedule).toHaveBeenCalledWith('s1');
    expect(model.of('a')?.map(s => s.id)).toEqual(['s2']);

    const errors: (string | null)[] = [];
    model.changed.connect(() => errors.push(model.errorOf('a')));
    vi.spyOn(api, 'deleteSchedule').mockRejectedValue(new ApiError('Cannot reach the server: down', 0));
    await model.remove(model.of('a')![0]);
    expect(errors).toEqual(['Cannot reach the server: down', null]);
    expect(model.of('a')?.map(s => s.id)).toEqual(['s2']);
  });

  it('forgets a deleted project’s schedules', async () => {
    stubServer({ a: [schedule('s1', 'a')], b: [schedule('s2', 'b')] });
    const model = new SchedulesModel();
    await model.load('a');
    await model.load('b');
    model.forget('a');
    expect(model.of('a')).toBeNull();
    expect(model.of('b')?.map(s => s.id)).toEqual(['s2']);
  });
});
