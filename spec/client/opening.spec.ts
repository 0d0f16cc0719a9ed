// The contract `connect()` and `openConnection()` share between the Node and browser entries,
// checked with real connections to a real server: what the Observable emits and when it ends,
// and what unsubscribing does before and after the connection opened.
import { firstValueFrom, toArray } from 'rxjs';
import { ClientConnection, NetworkError, openConnection, type Connection } from '../../src';
import { openingAsObservable, openingAsPromise, type StartOpening } from '../../src/client/opening';
import { Resources, until } from '../helpers/harness';

const resources = new Resources();
afterEach(() => resources.dispose());

/** Opens with `openConnection`, counting the starts and the aborts it is asked for. */
function realOpening(url: string): { start: StartOpening<ClientConnection>; starts: number; aborts: number } {
  const counts: { start: StartOpening<ClientConnection>; starts: number; aborts: number } = {
    starts: 0,
    aborts: 0,
    start: (opened, failed) => {
      counts.starts++;
      openConnection(url).then(opened, failed);
      return () => counts.aborts++;
    },
  };
  return counts;
}

describe('openingAsObservable', () => {
  it('opens nothing until subscribed, then emits the open connection and completes when it closes', async () => {
    const { url, nextConnection } = await resources.server();
    const opening = realOpening(url);
    const connection$ = openingAsObservable(opening.start);
    expect(opening.starts).toBe(0);
    const all = firstValueFrom(connection$.pipe(toArray()));
    const server: Connection = await nextConnection();
    expect(opening.starts).toBe(1);
    await server.close(4000, 'done');
    const emitted = await all;
    expect(emitted).toHaveLength(1);
    expect(emitted[0]!.state).toBe('closed');
  });

  it('errors with the typed failure when the connection could not open', async () => {
    const failure = new NetworkError('no route to the server');
    const connection$ = openingAsObservable<ClientConnection>((_opened, failed) => {
      failed(failure);
      return () => undefined;
    });
    await expect(firstValueFrom(connection$)).rejects.toBe(failure);
  });

  it('unsubscribing before the connection opened aborts the opening, and does not close anything', async () => {
    let abort = 0;
    const subscription = openingAsObservable<ClientConnection>(() => () => abort++).subscribe();
    subscription.unsubscribe();
    expect(abort).toBe(1);
  });

  it('unsubscribing after the connection opened closes it with 1000 and aborts nothing', async () => {
    const { url, nextConnection } = await resources.server();
    const opening = realOpening(url);
    let client: ClientConnection | undefined;
    const subscription = openingAsObservable(opening.start).subscribe((c) => (client = c));
    const server = await nextConnection();
    await until(() => client !== undefined);
    subscription.unsubscribe();
    expect(await server.waitForMessage('close')).toMatchObject({ code: 1000, wasClean: true });
    expect(opening.aborts).toBe(0);
  });
});

describe('openingAsPromise', () => {
  it('resolves with the open connection, which stays open for the caller', async () => {
    const { url, nextConnection } = await resources.server();
    const client = await openingAsPromise(realOpening(url).start);
    await nextConnection();
    expect(client.state).toBe('open');
    await client.close();
  });

  it('rejects with the typed failure', async () => {
    const failure = new NetworkError('refused');
    await expect(
      openingAsPromise((_opened, failed) => {
        failed(failure);
        return () => undefined;
      }),
    ).rejects.toBe(failure);
  });
});
