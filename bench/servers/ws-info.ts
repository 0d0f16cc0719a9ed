/** What the `ws` servers report about themselves: its version and whether native helpers load. */
export function wsInfo(): Record<string, unknown> {
  const has = (name: string): boolean => {
    try {
      require.resolve(name);
      return true;
    } catch {
      return false;
    }
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require('ws/package.json') as { version: string }).version;
  return {
    wsVersion: version,
    bufferutil: has('bufferutil') && !process.env['WS_NO_BUFFER_UTIL'],
    utf8Validate: has('utf-8-validate') && !process.env['WS_NO_UTF_8_VALIDATE'],
  };
}
