/** The rxws client, through its public reactive API, driven by the client-throughput job. */
import { rxws } from '../servers/rxws-build';

const { openConnection } = rxws;
import { runClient } from './client-harness';

runClient('rxws-client', async (url) => {
  const conn = await openConnection(url);
  return {
    send: (payload) => conn.sink.next(payload),
    onMessage: (handler) => {
      conn.messages$.subscribe((m) => {
        if (m.type === 'binary') handler(m.data.length);
        else if (m.type === 'text') handler(m.data.length);
      });
    },
    close: async () => {
      await Promise.race([conn.close(1000), new Promise((resolve) => setTimeout(resolve, 1000))]);
    },
  };
});
