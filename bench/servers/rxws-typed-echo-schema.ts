// The typed-echo scenario's message schema, shared by its server and its in-process runner.
import { z } from 'zod';

/** The message the load sends: a chat line such as a real app's protocol carries. */
export const ChatMessage = z.object({
  type: z.literal('chat'),
  id: z.number().int(),
  room: z.string().max(64),
  user: z.string().max(64),
  ts: z.number().int(),
  text: z.string().max(4096),
});
