import { openDatabaseCount } from './database.ts';
import { startAppWithHub, useAppWithHub, type Closable, type TestApp } from './harness.ts';

/** A fake that only records when it is closed. */
function recorder(log: string[], name: string, note: () => string = () => ''): () => Promise<Closable> {
  return async () => ({ close: async () => { log.push(`${name} closed${note()}`); } });
}

const reachable = (url: string) => fetch(url).then(() => true, () => false);

describe('useAppWithHub', () => {
  const { t, hub } = useAppWithHub(() => ({ env: { LOG_LEVEL: 'silent' } }));

  it('runs the app pointed at the hub, listening on 127.0.0.1', () => {
    expect(t.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(t.config.agenda.apiUrl).toBe(hub.url);
    expect(t.app.services.config.agenda.demo).toBeFalse();
  });
});

describe('startAppWithHub', () => {
  it('closes the app, then its database, then the hub and the fakes', async () => {
    const log: string[] = [];
    let app: TestApp | undefined;
    const listening = () => ` (app listening: ${String(app?.app.server.listening)})`;
    const suite = await startAppWithHub({ probe: recorder(log, 'fake', listening) });
    app = suite.t;
    suite.t.database.onDrop(async () => { log.push(`database about to be dropped${listening()}`); });
    expect(await reachable(suite.hub.url)).toBeTrue();
    await suite.close();
    expect(log).toEqual(['database about to be dropped (app listening: false)', 'fake closed (app listening: false)']);
    expect(await reachable(suite.hub.url)).toBeFalse();
    await expectAsync(suite.close()).toBeResolved(); // twice is harmless
  });

  it('closes what it started when a fake fails to start', async () => {
    const log: string[] = [];
    const before = openDatabaseCount();
    const failing = async (): Promise<Closable> => { throw new Error('no port left'); };
    await expectAsync(startAppWithHub({ good: recorder(log, 'good'), bad: failing })).toBeRejectedWithError('no port left');
    expect(log).toEqual(['good closed']);
    expect(openDatabaseCount()).toBe(before);
  });

  it('closes the hub, the fakes and the database when the app fails to start', async () => {
    const log: string[] = [];
    const before = openDatabaseCount();
    let hubUrl = '';
    const start = startAppWithHub({ good: recorder(log, 'good') }, ({ hub }) => {
      hubUrl = hub.url;
      return { env: { PORT: 'not-a-port' } };
    });
    await expectAsync(start).toBeRejected();
    expect(log).toEqual(['good closed']);
    expect(await reachable(hubUrl)).toBeFalse();
    expect(openDatabaseCount()).toBe(before);
  });
});
