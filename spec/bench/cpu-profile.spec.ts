import { selfTimes, type CpuProfile } from '../../bench/lib/cpu-profile';

const frame = (functionName: string, url = '', lineNumber = -1) => ({ functionName, url, lineNumber });

describe('selfTimes (bench/lib/cpu-profile)', () => {
  it('charges each sample its time delta, sums a function reached by two paths, largest first', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('append', 'file:///x/dist/protocol/message-assembler.js', 87) },
        { id: 3, callFrame: frame('append', 'file:///x/dist/protocol/message-assembler.js', 87) },
        { id: 4, callFrame: frame('(garbage collector)') },
        { id: 5, callFrame: frame('', 'file:///x/servers/echo.ts', 0) },
      ],
      samples: [2, 3, 4, 4, 5, 2],
      timeDeltas: [10, 30, 20, 20, 10, 10],
    };
    expect(selfTimes(profile)).toEqual([
      { where: 'append protocol/message-assembler.js:88', percent: 50 },
      { where: '(garbage collector)', percent: 40 },
      { where: '(anonymous) servers/echo.ts:1', percent: 10 },
      { where: '(root)', percent: 0 },
    ]);
    expect(selfTimes(profile, 1)).toHaveLength(1);
  });

  it('gives 0% rather than NaN for a profile without samples', () => {
    expect(selfTimes({ nodes: [{ id: 1, callFrame: frame('(root)') }], samples: [], timeDeltas: [] })).toEqual([{ where: '(root)', percent: 0 }]);
  });
});
