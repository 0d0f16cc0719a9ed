import { InvalidOutgoingError } from '../../src';
import { readChatEvent, writeChatEvent } from '../../examples/chat-messages';

describe('examples/chat-messages', () => {
  it('writes an event as JSON after checking it', () => {
    expect(writeChatEvent({ type: 'notice', text: 'hi', at: 5 })).toBe('{"type":"notice","text":"hi","at":5}');
    expect(() => writeChatEvent({ type: 'join', name: '', at: 1 })).toThrow(InvalidOutgoingError);
    expect(() => writeChatEvent({ type: 'shout', text: 'x' } as never)).toThrow(/failed the send schema/);
  });

  it('reads only what is a chat event', () => {
    expect(readChatEvent('{"type":"chat","from":"ada","text":"hello","at":1}')).toEqual({ type: 'chat', from: 'ada', text: 'hello', at: 1 });
    expect(readChatEvent('hello')).toBeUndefined();
    expect(readChatEvent('null')).toBeUndefined();
    expect(readChatEvent('{"type":"chat"}')).toBeUndefined();
    expect(readChatEvent('{"type":"party","at":1}')).toBeUndefined();
  });
});
