import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from '../src/api';
import { IDelivery, ISink } from '../src/notifications/data';
import { NotificationsModel } from '../src/notifications/notificationsmodel';

const hook: ISink = {
  id: 'h1',
  name: 'hook',
  kind: 'webhook',
  events: ['failed'],
  enabled: true,
  source: 'api',
  created: '2026-12-01T10:00:00Z',
  updated: null
};
const delivery = (id: number, event: string): IDelivery => ({
  id,
  sink_id: 'h1',
  sink_name: 'hook',
  kind: 'webhook',
  event,
  project: null,
  run_id: null,
  attempt: 1,
  ok: true,
  status: 200,
  error: null,
  created: `2026-12-01T10:0${id}:00Z`
});

/** A server holding `sinks` and `deliveries`, as the model's api calls see it. */
function stubServer(sinks: ISink[], deliveries: IDelivery[]) {
  vi.spyOn(api, 'sinks').mockImplementation(async () => [...sinks]);
  vi.spyOn(api, 'deliveries').mockImplementation(async () => [...deliveries]);
}

/** Lets the reloads a method starts without awaiting them finish. */
const settle = () => new Promise(resolve => setTimeout(resolve, 0));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('NotificationsModel', () => {
  it('loads the sinks and the deliveries newest first, and says it changed', async () => {
    stubServer([hook], [delivery(1, 'failed'), delivery(3, 'test'), delivery(2, 'succeeded')]);
    const model = new NotificationsModel();
    const changed = vi.fn();
    model.changed.connect(changed);
    expect(model.sinks).toBeNull();
    await model.load();
    expect(model.sinks).toEqual([hook]);
    expect(model.deliveries.map(d => d.id)).toEqual([3, 2, 1]);
    expect(model.error).toBeNull();
    expect(changed).toHaveBeenCalled();
  });

  it('keeps what it had and shows why when a load fails', async () => {
    stubServer([hook], []);
    const model = new NotificationsModel();
    await model.load();
    vi.spyOn(api, 'sinks').mockRejectedValue(new ApiError('Cannot reach the server: down', 0));
    await model.load();
    expect(model.error).toBe('Cannot reach the server: down');
    expect(model.sinks).toEqual([hook]);
  });

  it('records a test send and reads the deliveries again, newest first', async () => {
    const sent = [delivery(1, 'failed')];
    stubServer([hook], sent);
    const model = new NotificationsModel();
    await model.load();
    let during: unknown;
    vi.spyOn(api, 'testSink').mockImplementation(async id => {
      during = model.tests.get(id);
      sent.push(delivery(2, 'test'));
      return { delivered: true, attempts: [delivery(2, 'test')] };
    });
    await model.test('h1');
    expect(api.testSink).toHaveBeenCalledWith('h1');
    expect(during).toEqual({ busy: true });
    expect(model.tests.get('h1')).toEqual({
      busy: false,
      result: { delivered: true, attempts: [delivery(2, 'test')] }
    });
    expect(model.deliveries.map(d => [d.id, d.event])).toEqual([
      [2, 'test'],
      [1, 'failed']
    ]);
  });

  it('keeps a failed test request as that sink’s error and still reloads', async () => {
    stubServer([hook], []);
    const model = new NotificationsModel();
    vi.spyOn(api, 'testSink').mockRejectedValue(new ApiError('sink h1 not found', 404, 'sink'));
    await model.test('h1');
    expect(model.tests.get('h1')).toEqual({ busy: false, error: 'sink h1 not found' });
    expect(api.deliveries).toHaveBeenCalledTimes(1);
  });

  it('shows a created sink at once, then the server’s list', async () => {
    const sinks: ISink[] = [];
    stubServer(sinks, []);
    const model = new NotificationsModel();
    await model.load();
    const made: ISink = { ...hook, id: 'n1', name: 'new' };
    vi.spyOn(api, 'createSink').mockImplementation(async () => {
      sinks.push(made);
      return made;
    });
    const body = {
      kind: 'webhook' as const,
      name: 'new',
      events: ['failed' as const],
      url: 'https://x.example/h'
    };
    let reloaded = (): void => undefined;
    const reload = vi
      .spyOn(api, 'sinks')
      .mockReturnValue(new Promise(resolve => (reloaded = () => resolve([{ ...made, name: 'as listed' }]))));
    expect(await model.create(body)).toBe(made);
    expect(api.createSink).toHaveBeenCalledWith(body);
    expect(model.sinks).toEqual([made]);
    expect(reload).toHaveBeenCalled();
    reloaded();
    await settle();
    expect(model.sinks).toEqual([{ ...made, name: 'as listed' }]);
  });

  it('replaces an edited sink in place and passes a refusal on to the form', async () => {
    stubServer([hook], []);
    const model = new NotificationsModel();
    await model.load();
    const renamed = { ...hook, name: 'renamed' };
    vi.spyOn(api, 'updateSink').mockResolvedValueOnce(renamed);
    vi.spyOn(api, 'sinks').mockReturnValue(new Promise(() => undefined)); // the reload still under way
    await model.update('h1', { name: 'renamed' });
    expect(model.sinks).toEqual([renamed]);
    vi.spyOn(api, 'updateSink').mockRejectedValueOnce(new ApiError('url must be http(s)', 400, 'url'));
    await expect(model.update('h1', { url: 'ftp://x' })).rejects.toMatchObject({ status: 400, field: 'url' });
  });

  it('drops a deleted sink on the reload; a refused delete shows as the page error until then', async () => {
    const sinks = [hook, { ...hook, id: 'c0', source: 'config' as const }];
    stubServer(sinks, []);
    const model = new NotificationsModel();
    await model.load();
    vi.spyOn(api, 'deleteSink').mockImplementation(async id => {
      sinks.splice(
        sinks.findIndex(s => s.id === id),
        1
      );
    });
    await model.remove('h1');
    expect(api.deleteSink).toHaveBeenCalledWith('h1');
    expect(model.sinks?.map(s => s.id)).toEqual(['c0']);

    const errors: (string | null)[] = [];
    model.changed.connect(() => errors.push(model.error));
    vi.spyOn(api, 'deleteSink').mockRejectedValue(
      new ApiError('sink c0 comes from the server configuration', 409)
    );
    await model.remove('c0');
    expect(errors).toEqual(['sink c0 comes from the server configuration', null]);
    expect(model.sinks?.map(s => s.id)).toEqual(['c0']);
  });
});
