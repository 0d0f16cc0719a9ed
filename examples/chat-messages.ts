/**
 * The chat examples' server-to-client messages, as one Zod schema: what broadcast-server.ts and
 * chat-server.ts send, what chat-client.ts reads (and what chat-client.html documents). Each is
 * one JSON object per text message; `at` is the server's time in ms since the epoch.
 *
 * The servers check each event against the schema before it leaves (a bug of ours is caught here,
 * not in every client), and the client checks what it receives, so a message from another server
 * or an older one is shown as plain text instead of half-read.
 */
import { z } from 'zod';
// The package's sources; in your own project the same names come from '@rxws/rxws'.
import { InvalidOutgoingError, jsonCodec, typed, type ConnectionLike, type TypedConnection } from '../src';

const Name = z.string().min(1).max(64);
const At = z.number().int().nonnegative();
/** The room an event happened in; broadcast-server.ts has rooms, chat-server.ts does not. */
const Room = z.string().min(1).max(64);

export const ChatEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), name: Name, room: Room.optional(), online: z.array(Name) }),
  // To the one who moved (`join <room>`), with who is in the room now.
  z.object({ type: z.literal('room'), room: Room, online: z.array(Name) }),
  z.object({ type: z.literal('join'), name: Name, room: Room.optional(), at: At }),
  z.object({ type: z.literal('leave'), name: Name, room: Room.optional(), at: At }),
  z.object({ type: z.literal('chat'), from: Name, text: z.string(), room: Room.optional(), at: At }),
  z.object({ type: z.literal('rename'), from: Name, to: Name, room: Room.optional(), at: At }),
  z.object({ type: z.literal('notice'), text: z.string(), at: At }),
]);
export type ChatEvent = z.infer<typeof ChatEvent>;

/**
 * The JSON text of an event, checked against the schema first. Throws an InvalidOutgoingError for
 * an event the schema refuses: that is a bug in the server, not something a client caused. For
 * `route.broadcast`, which encodes once for every client.
 */
export function writeChatEvent(event: ChatEvent): string {
  const result = ChatEvent.safeParse(event);
  if (!result.success) throw new InvalidOutgoingError(result.error.issues);
  return jsonCodec.encode(result.data) as string;
}

/** The event in a text message, or undefined when it is not JSON or not a chat event. */
export function readChatEvent(text: string): ChatEvent | undefined {
  let value: unknown;
  try {
    value = jsonCodec.decode(text);
  } catch {
    return undefined;
  }
  const result = ChatEvent.safeParse(value);
  return result.success ? result.data : undefined;
}

/** A server's typed view of one client connection: it sends chat events. */
export function chatEvents<C extends ConnectionLike>(conn: C): TypedConnection<never, ChatEvent, 'id', C> {
  return typed(conn, { send: ChatEvent });
}
