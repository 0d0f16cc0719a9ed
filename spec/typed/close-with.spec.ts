import { firstValueFrom } from 'rxjs';
import { closeWith } from '../../src/typed/close-with';
import { Pairs } from './typed-helpers';

const pairs = new Pairs();
afterEach(() => pairs.dispose());

describe('closeWith', () => {
  it('closes a connection with the code and reason', async () => {
    const { server, client } = await pairs.open();
    closeWith(server, 1007, 'invalid message');
    expect(await firstValueFrom(client.closed$)).toMatchObject({ code: 1007, reason: 'invalid message' });
  });

  it('falls back to sink.error when close refuses the code (as a browser does), and never throws', () => {
    const calls: unknown[] = [];
    const browserLike = {
      close: (code?: number) => {
        if (code !== 1000) throw new Error('browsers send only 1000 and 3000-4999');
        calls.push('close');
      },
      sink: { error: (error: unknown) => calls.push(error) },
    };
    closeWith(browserLike, 1011, 'internal error');
    expect(calls).toEqual([{ closeCode: 1011 }]);
    const broken = {
      close: () => {
        throw new Error('no');
      },
      sink: {
        error: () => {
          throw new Error('no either');
        },
      },
    };
    expect(() => closeWith(broken, 1007, '')).not.toThrow();
  });

  it('does not leave a rejected close promise unhandled', async () => {
    const rejected = { close: () => Promise.reject(new Error('late')), sink: { error: () => undefined } };
    closeWith(rejected, 1007, '');
    await new Promise((resolve) => setImmediate(resolve));
  });
});
