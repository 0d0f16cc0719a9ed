// Runs one interop session (a SessionSpec, see ../scenarios.ts) with the browser's own WebSocket
// and resolves with a SessionResult. Loaded by browser-page.html; called through page.evaluate.
'use strict';

function binaryPayload(size) {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

function textPayload(size) {
  const whole = 'abcdefghij\u20ac'.repeat(Math.floor(size / 13));
  return whole + 'x'.repeat(size - 13 * Math.floor(size / 13));
}

async function summarise(type, data) {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const summary = { type, length: bytes.length, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
  if (type === 'text' && bytes.length <= 256) summary.text = data;
  return summary;
}

window.runSession = function runSession(url, spec) {
  return new Promise((resolve, reject) => {
    for (const send of spec.sends) if (send.fragmentBytes !== undefined) return reject(new Error('the browser cannot choose fragmentation'));
    if (spec.ping !== undefined) return reject(new Error('the browser cannot send a ping'));
    if (spec.headers !== undefined || spec.readHeader !== undefined) return reject(new Error('the browser cannot set or read headers'));
    const ws = new WebSocket(url, spec.protocols || []);
    ws.binaryType = 'arraybuffer';
    const summaries = [];
    let count = 0;
    const finish = () => {
      if (spec.close === 'server') return;
      const close = spec.close || { code: 1000, reason: '' };
      // The browser only lets a script send 1000 or 3000-4999 (and no code at all for 1000 without a reason is allowed too).
      ws.close(close.code, close.reason);
    };
    ws.onopen = () => {
      for (const send of spec.sends) ws.send(send.kind === 'text' ? textPayload(send.size) : binaryPayload(send.size));
      if (spec.expect === 0) finish();
    };
    ws.onmessage = (event) => {
      summaries.push(summarise(typeof event.data === 'string' ? 'text' : 'binary', event.data));
      if (++count === spec.expect) finish();
    };
    ws.onerror = () => undefined; // the close event that follows says what happened
    ws.onclose = async (event) => {
      try {
        resolve({ protocol: ws.protocol === '' ? null : ws.protocol, received: await Promise.all(summaries), close: { code: event.code, reason: event.reason } });
      } catch (error) {
        reject(error);
      }
    };
  });
};
