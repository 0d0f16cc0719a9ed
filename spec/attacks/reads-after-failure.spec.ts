// What a peer can make us read after we failed the connection. Once our close frame is queued
// nothing the peer sends matters (RFC 6455 §7.1.7: ignore further input), but reading and
// discarding it still costs a core: a peer that does not read can push about a gigabyte per
// second at us until closeTimeoutMs. So we stop reading after a small allowance and let the
// close timer end the TCP connection (§7.1.1), on either side.
import type * as net from 'node:net';
import { firstValueFrom } from 'rxjs';
import { openConnection, type Connection } from '../../src';
import { Resources, sleep, until } from '../helpers/harness';
import { onRequest, startRawServer, switchingProtocols, type RawServer } from '../helpers/raw-server';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Bytes the library has read from a connection's socket (tests reach into the transport). */
function bytesReadBy(connection: Connection): number {
  return (connection as unknown as { transport: { socket: net.Socket } }).transport.socket.bytesRead;
}

/** A frame header declaring a 1 GiB binary payload (masked for a client's frame). */
function hugeFrameHeader(masked: boolean): Buffer {
  const header = Buffer.alloc(masked ? 14 : 10);
  header[0] = 0x82;
  header[1] = (masked ? 0x80 : 0) | 127;
  header.writeBigUInt64BE(BigInt(1024 * MiB), 2);
  return header;
}

/** Writes junk on `socket` as fast as the kernel takes it, for `ms`, without ever reading. */
async function flood(socket: net.Socket, ms: number): Promise<void> {
  const junk = Buffer.alloc(64 * KiB, 0x6a);
  const until = Date.now() + ms;
  while (Date.now() < until && !socket.destroyed) {
    while (socket.writableLength < MiB && !socket.destroyed) socket.write(junk);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('reads after a failure are capped', () => {
  const res = new Resources();
  let rawServer: RawServer | undefined;
  afterEach(async () => {
    await res.dispose();
    await rawServer?.close();
    rawServer = undefined;
  });

  it('server: after a 1009 at a frame header, a peer that keeps sending gets at most a small allowance read', async () => {
    const s = await res.server({}, { maxMessageBytes: MiB, closeTimeoutMs: 1000 });
    const peer = await res.raw(s.port);
    const conn = await s.nextConnection();
    const closed = firstValueFrom(conn.closed$);
    peer.socket.pause(); // never reads our close frame
    peer.send(hugeFrameHeader(true));
    await until(() => conn.state !== 'open', 5000, 'the server to fail the connection');
    const readAtFailure = bytesReadBy(conn);
    await flood(peer.socket, 600);
    const readAfter = bytesReadBy(conn) - readAtFailure;
    expect(readAfter).toBeLessThan(MiB);
    // The peer never answers: the close timer ends the TCP connection.
    const close = await closed;
    expect([close.code, close.wasClean]).toEqual([1009, false]);
  });

  it('client: after it fails a huge frame, a server that keeps sending gets at most a small allowance read', async () => {
    let serverSocket: net.Socket | undefined;
    rawServer = await startRawServer((socket) => {
      serverSocket = socket;
      onRequest(socket, ({ key }) => {
        socket.write(switchingProtocols(key));
        socket.write(hugeFrameHeader(false));
      });
    });
    const conn = await openConnection(rawServer.url, { maxMessageBytes: MiB, closeTimeoutMs: 1000, perMessageDeflate: false });
    const closed = firstValueFrom(conn.closed$);
    await until(() => conn.state !== 'open', 5000, 'the client to fail the connection');
    serverSocket!.pause(); // never reads the client's close frame
    const readAtFailure = bytesReadBy(conn);
    await flood(serverSocket!, 600);
    const readAfter = bytesReadBy(conn) - readAtFailure;
    expect(readAfter).toBeLessThan(MiB);
    const close = await closed;
    expect([close.code, close.wasClean]).toEqual([1009, false]);
  });

  it('a peer that answers our close at once still closes at once, not at closeTimeoutMs', async () => {
    const s = await res.server({}, { maxMessageBytes: MiB, closeTimeoutMs: 5000 });
    const peer = await res.raw(s.port);
    const conn = await s.nextConnection();
    const started = Date.now();
    peer.send(hugeFrameHeader(true));
    const close = await firstValueFrom(conn.closed$);
    expect(close.code).toBe(1009);
    await peer.closed;
    expect(Date.now() - started).toBeLessThan(2000);
    await sleep(0);
  });
});
