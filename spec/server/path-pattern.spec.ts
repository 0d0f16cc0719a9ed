// Route paths with parameters (`/room/:name`): parsing, matching, decoding and precedence.
import { UsageError } from '../../src/errors';
import { PathPattern } from '../../src/server/path-pattern';

const pattern = (path: string): PathPattern => {
  const parsed = PathPattern.parse(path);
  if (parsed === undefined) throw new Error(`${path} has no parameter`);
  return parsed;
};

describe('PathPattern', () => {
  it('a path without a parameter is not a pattern (an exact path)', () => {
    expect(PathPattern.parse('/chat')).toBeUndefined();
    expect(PathPattern.parse('/a:b/c')).toBeUndefined();
    expect(pattern('/room/:name').names).toEqual(['name']);
    expect(pattern('/:org/repo/:id').names).toEqual(['org', 'id']);
  });

  it.each([
    ['an empty name', '/room/:'],
    ['a name that is not an identifier', '/room/:1st'],
    ['a name with a dash', '/room/:room-name'],
    ['a name used twice', '/:a/x/:a'],
  ])('rejects %s with a UsageError', (_title, path) => {
    expect(() => PathPattern.parse(path)).toThrow(UsageError);
  });

  it.each([
    ['/room/:name', '/room/lobby', ['lobby']],
    ['/room/:name', '/room/lob%20by', ['lob%20by']],
    ['/room/:name', '/room/', undefined],
    ['/room/:name', '/room', undefined],
    ['/room/:name', '/room/a/b', undefined],
    ['/room/:name', '/Room/a', undefined],
    ['/:a/:b', '/x/y', ['x', 'y']],
    ['/:a/:b', '//y', undefined],
    ['/room/:name/', '/room/a/', ['a']],
    ['/room/:name/', '/room/a', undefined],
  ])('%s matches %s → %j', (path, request, values) => {
    expect(pattern(path).match(request)).toEqual(values);
  });

  it('decodes percent-encoding (UTF-8 included) into an object without a prototype', () => {
    const p = pattern('/:__proto__/:b');
    const params = p.decode(p.match('/caf%C3%A9/a%2Fb')!)!;
    expect(Object.getPrototypeOf(params)).toBeNull();
    expect(Object.entries(params)).toEqual([
      ['__proto__', 'café'],
      ['b', 'a/b'],
    ]);
  });

  it.each(['%', '%zz', '%C3', 'ab%E2%82'])('malformed percent-encoding (%s) decodes to undefined, never a throw', (raw) => {
    expect(pattern('/room/:name').decode([raw])).toBeUndefined();
  });

  it('precedence: a literal segment wins over a parameter at the first place they differ', () => {
    const shapes = ['/:a/:b', '/room/:name', '/:kind/lobby', '/room/lobby/:page', '/room/:name/:page', '/room/:name/admin'];
    const sorted = [...shapes].sort((x, y) => pattern(x).compare(pattern(y)));
    // Only patterns of the same length can match the same path; among them the order is what counts.
    const twoSegments = sorted.filter((p) => p.split('/').length === 3);
    const threeSegments = sorted.filter((p) => p.split('/').length === 4);
    expect(twoSegments).toEqual(['/room/:name', '/:kind/lobby', '/:a/:b']);
    expect(threeSegments).toEqual(['/room/lobby/:page', '/room/:name/admin', '/room/:name/:page']);
  });

  it('sameShape: patterns that match exactly the same paths', () => {
    expect(pattern('/room/:a').sameShape(pattern('/room/:b'))).toBe(true);
    expect(pattern('/room/:a').sameShape(pattern('/hall/:b'))).toBe(false);
    expect(pattern('/room/:a').sameShape(pattern('/room/:a/x'))).toBe(false);
    expect(pattern('/:a/x').sameShape(pattern('/x/:a'))).toBe(false);
  });
});
