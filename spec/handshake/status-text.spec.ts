import { statusText } from '../../src/handshake/status-text';

describe('statusText (RFC 9110 §15)', () => {
  it('RFC 9110 §15: standard reason phrases for the statuses rxws sends', () => {
    expect(statusText(101)).toBe('Switching Protocols');
    expect(statusText(400)).toBe('Bad Request');
    expect(statusText(401)).toBe('Unauthorized');
    expect(statusText(403)).toBe('Forbidden');
    expect(statusText(404)).toBe('Not Found');
    expect(statusText(405)).toBe('Method Not Allowed');
    expect(statusText(426)).toBe('Upgrade Required');
    expect(statusText(431)).toBe('Request Header Fields Too Large');
    expect(statusText(500)).toBe('Internal Server Error');
    expect(statusText(503)).toBe('Service Unavailable');
    expect(statusText(505)).toBe('HTTP Version Not Supported');
  });

  it('RFC 9112 §4: an unregistered status still gets a non-empty class name', () => {
    expect(statusText(199)).toBe('Informational');
    expect(statusText(299)).toBe('Success');
    expect(statusText(399)).toBe('Redirection');
    expect(statusText(499)).toBe('Client Error');
    expect(statusText(599)).toBe('Server Error');
  });
});
