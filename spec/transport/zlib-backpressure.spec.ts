// Backpressure from the broadcast compression queue to the connection that fills it
// (zlib-backpressure.ts): only the input being handled is paused, once, and all resume together.
import {
  enterInput,
  forgetInput,
  inputsPausedForZlib,
  isPausedForZlib,
  leaveInput,
  pauseCurrentInput,
  resumePausedInputs,
  type InputSource,
} from '../../src/transport/zlib-backpressure';

class Source implements InputSource {
  readonly log: string[] = [];
  pauseForZlib(): void {
    this.log.push('pause');
  }
  resumeForZlib(): void {
    this.log.push('resume');
  }
}

describe('zlib backpressure', () => {
  afterEach(() => resumePausedInputs());

  it('pauses the input being handled, once, and nothing outside any input', () => {
    const a = new Source();
    pauseCurrentInput(); // a timer, say: nobody to pause
    expect(inputsPausedForZlib()).toBe(0);
    const outer = enterInput(a);
    pauseCurrentInput();
    pauseCurrentInput();
    leaveInput(outer);
    pauseCurrentInput();
    expect(a.log).toEqual(['pause']);
    expect(isPausedForZlib(a)).toBe(true);
    resumePausedInputs();
    expect(a.log).toEqual(['pause', 'resume']);
    expect(isPausedForZlib(a)).toBe(false);
  });

  it('nested inputs restore the outer one', () => {
    const a = new Source();
    const b = new Source();
    const none = enterInput(a);
    const outerA = enterInput(b);
    pauseCurrentInput();
    leaveInput(outerA);
    pauseCurrentInput();
    leaveInput(none);
    expect([a.log, b.log]).toEqual([['pause'], ['pause']]);
    expect(inputsPausedForZlib()).toBe(2);
  });

  it('a closed input is forgotten and not resumed', () => {
    const a = new Source();
    const outer = enterInput(a);
    pauseCurrentInput();
    leaveInput(outer);
    forgetInput(a);
    resumePausedInputs();
    expect(a.log).toEqual(['pause']);
  });
});
