// The server-wide bound on incoming bytes (read-budget.ts), with plain holders standing for
// connections: who pauses, who may finish past the limit, who resumes and in which order.
import { READ_CHUNK_BYTES, ReadBudget, type BudgetHolder } from '../../src/transport/read-budget';

const KiB = 1024;

class Holder implements BudgetHolder {
  budgetHeld = 0;
  canRead = true;
  reading = true;
  constructor(readonly name: string) {}
  pauseForBudget(): void {
    this.reading = false;
  }
  resumeForBudget(): void {
    this.reading = true;
  }
}

function setup(limit: number, count: number) {
  const budget = new ReadBudget(limit);
  const holders = Array.from({ length: count }, (_, i) => new Holder(`h${i}`));
  const reading = () => holders.filter((h) => h.reading).map((h) => h.name);
  return { budget, holders, reading };
}

describe('ReadBudget', () => {
  it('under the limit nobody pauses; the sum follows every holder, and what a holder held is freed when it leaves', () => {
    const { budget, holders, reading } = setup(1000 * KiB, 3);
    budget.update(holders[0]!, 300 * KiB);
    budget.update(holders[1]!, 500 * KiB);
    budget.update(holders[0]!, 100 * KiB);
    expect([budget.heldBytes, budget.peakBytes, budget.pausedCount]).toEqual([600 * KiB, 800 * KiB, 0]);
    expect(budget.settled).toBe(true);
    budget.leave(holders[1]!);
    expect(budget.heldBytes).toBe(100 * KiB);
    expect(reading()).toEqual(['h0', 'h1', 'h2']);
  });

  it('past the limit a holder whose message grows stops reading; one at a time, the waiting one holding the most, finishes past it', () => {
    const { budget, holders, reading } = setup(1000 * KiB, 3);
    budget.update(holders[0]!, 600 * KiB);
    budget.update(holders[1]!, 300 * KiB);
    // h2 crosses the limit: it waits, and as the only one waiting it is let through.
    budget.update(holders[2]!, 200 * KiB);
    expect(reading()).toEqual(['h0', 'h1', 'h2']);
    // h1 and h0 grow while h2 finishes: they wait.
    budget.update(holders[1]!, 400 * KiB);
    budget.update(holders[0]!, 900 * KiB);
    expect(reading()).toEqual(['h2']);
    // A read that does not grow (a whole message delivered) changes nothing; h2 grows on past it.
    budget.update(holders[1]!, 400 * KiB);
    budget.update(holders[2]!, 300 * KiB);
    expect(reading()).toEqual(['h2']);
    expect([budget.heldBytes, budget.peakBytes]).toEqual([1600 * KiB, 1600 * KiB]);
    // h2's message is delivered: still over, so the waiting one holding the most (h0) goes next.
    budget.update(holders[2]!, 0);
    expect(reading()).toEqual(['h0', 'h2']);
    expect(budget.holds(holders[1]!)).toBe(true);
  });

  it('when memory frees, the oldest waiting resume, one per read (64 KiB) of room', () => {
    const limit = 4 * READ_CHUNK_BYTES;
    const { budget, holders, reading } = setup(limit, 7);
    budget.update(holders[0]!, limit);
    for (let i = 1; i < 7; i++) budget.update(holders[i]!, KiB);
    // h1 crossed first and finishes; h2..h6 wait, in that order.
    expect(reading()).toEqual(['h0', 'h1']);
    budget.update(holders[0]!, limit - 2 * READ_CHUNK_BYTES - 6 * KiB);
    // Room for two reads.
    expect(reading()).toEqual(['h0', 'h1', 'h2', 'h3']);
    budget.leave(holders[0]!);
    expect(reading()).toEqual(['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
    expect(budget.pausedCount).toBe(0);
  });

  it('a holder that stops reading for another reason (a full backlog, the user) hands its turn over', () => {
    const { budget, holders, reading } = setup(100 * KiB, 3);
    budget.update(holders[0]!, 80 * KiB);
    budget.update(holders[1]!, 30 * KiB); // crosses: its turn
    budget.update(holders[2]!, 10 * KiB);
    budget.update(holders[0]!, 90 * KiB);
    expect(reading()).toEqual(['h1']);
    holders[1]!.canRead = false;
    budget.update(holders[1]!, 30 * KiB);
    // h0 holds the most of those waiting.
    expect(reading()).toEqual(['h0', 'h1']);
    expect(budget.holds(holders[2]!)).toBe(true);
  });

  it('never gives a turn to a holder that could not read anyway', () => {
    const { budget, holders, reading } = setup(100 * KiB, 2);
    budget.update(holders[0]!, 60 * KiB);
    holders[1]!.canRead = false;
    budget.update(holders[1]!, 60 * KiB);
    expect(reading()).toEqual(['h0']);
    expect(budget.settled).toBe(false);
    holders[1]!.canRead = true;
    budget.leave(holders[0]!);
    expect(reading()).toEqual(['h0', 'h1']);
    expect(budget.settled).toBe(true);
  });
});
