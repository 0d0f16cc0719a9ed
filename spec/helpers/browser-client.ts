import WebSocket from 'ws';
import type { WebSocketClass } from '../../src/transport/browser-transport';

/** The `ws` package's WebSocket class: the browser entry's WHATWG WebSocket on Node 20, for the
 *  specs that run the browser code in Node (real browsers: spec/browser/real-browsers.spec.ts). */
export const WS_CLASS = WebSocket as unknown as WebSocketClass;
