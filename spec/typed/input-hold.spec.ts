import { holdInput, releaseInput } from '../../src/typed/input-hold';

describe('holdInput / releaseInput', () => {
  it('pauses on the first hold and resumes on the last release', () => {
    const calls: string[] = [];
    const target = { pause: () => calls.push('pause'), resume: () => calls.push('resume') };
    holdInput(target);
    holdInput(target);
    releaseInput(target);
    expect(calls).toEqual(['pause']);
    releaseInput(target);
    expect(calls).toEqual(['pause', 'resume']);
    releaseInput(target); // one too many: ignored
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('leaves a connection without pause and resume alone', () => {
    const target = {};
    expect(() => {
      holdInput(target);
      releaseInput(target);
    }).not.toThrow();
  });
});
