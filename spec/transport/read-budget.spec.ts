// The server-wide bound on incoming bytes (read-budget.ts), with plain holders standing for
// connections: who pauses, who may finish past the limit, who resumes and in which order.
import { READ_CHUNK_BYTES, ReadBudget, type BudgetHolder } from '../../src/transport/read-budget';

const KiB = 1024;

class Holder implements BudgetHolder {
  budgetHeld = 0;
  canRead = true;
  /** What it holds is a backlog only (no message in progress). */
  backlogOnly = false;
  reading = true;
  constructor(readonly name: string) {}
  get receiving(): boolean {
    return this.budgetHeld > 0 && !this.backlogOnly;
  }
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

  it('a read that crosses the limit stops every connection holding part of a message; the one holding the most finishes past it', () => {
    const { budget, holders, reading } = setup(1000 * KiB, 4);
    budget.update(holders[0]!, 600 * KiB);
    budget.update(holders[1]!, 300 * KiB);
    // h2 crosses the limit: h0, h1 and h2 stop before their next read (h3 holds nothing and
    // reads on), and h0, holding the most, is let through to finish its message.
    budget.update(holders[2]!, 200 * KiB);
    expect(reading()).toEqual(['h0', 'h3']);
    budget.update(holders[0]!, 900 * KiB);
    expect(reading()).toEqual(['h0', 'h3']);
    // h3 starts a message while the limit is crossed: it waits too.
    budget.update(holders[3]!, 64 * KiB);
    expect(reading()).toEqual(['h0']);
    expect([budget.heldBytes, budget.peakBytes]).toEqual([1464 * KiB, 1464 * KiB]);
    // h0's message is delivered: room again, the oldest waiting resume.
    budget.update(holders[0]!, 0);
    expect(reading()).toEqual(['h0', 'h1', 'h2', 'h3']);
    expect(budget.settled).toBe(true);
  });

  it('a read that does not grow (whole messages delivered) never stops a connection', () => {
    const { budget, holders, reading } = setup(100 * KiB, 2);
    budget.update(holders[0]!, 150 * KiB);
    // h0 crossed and, the only one waiting, finishes past the limit. h1 holds nothing.
    for (let i = 0; i < 5; i++) budget.update(holders[1]!, 0);
    expect(reading()).toEqual(['h0', 'h1']);
  });

  it('when memory frees, the oldest waiting resume, each taking the room of its next growth', () => {
    const limit = 4 * READ_CHUNK_BYTES;
    const { budget, holders, reading } = setup(limit, 7);
    budget.update(holders[0]!, limit);
    for (let i = 1; i < 7; i++) budget.update(holders[i]!, KiB);
    // h1 crossed: everyone holding stopped; h0 holds the most and finishes.
    expect(reading()).toEqual(['h0']);
    budget.update(holders[0]!, limit - 2 * READ_CHUNK_BYTES - 6 * KiB);
    // Room for two reads: h1 and h2 go first.
    expect(reading()).toEqual(['h0', 'h1', 'h2']);
    budget.leave(holders[0]!);
    expect(reading()).toEqual(['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
    expect(budget.pausedCount).toBe(0);
  });

  it('a big holder resuming takes the room of a quarter of what it holds', () => {
    const { budget, holders, reading } = setup(1000 * KiB, 3);
    budget.update(holders[0]!, 400 * KiB);
    budget.update(holders[1]!, 400 * KiB);
    budget.update(holders[2]!, 400 * KiB); // crosses; h0 (first of the largest) finishes
    expect(reading()).toEqual(['h0']);
    budget.update(holders[0]!, 0);
    // 200 KiB of room: h1 takes 100 (a quarter of 400), h2 the rest.
    expect(reading()).toEqual(['h0', 'h1', 'h2']);
    budget.update(holders[1]!, 500 * KiB);
    budget.update(holders[2]!, 520 * KiB); // crosses again: h2 holds the most
    expect(reading()).toEqual(['h0', 'h2']);
  });

  it('a holder that stops reading for another reason (a full backlog, the user) hands its turn over', () => {
    const { budget, holders, reading } = setup(100 * KiB, 3);
    budget.update(holders[0]!, 80 * KiB);
    budget.update(holders[1]!, 30 * KiB); // crosses: h0 holds the most, its turn
    budget.update(holders[2]!, 10 * KiB);
    budget.update(holders[0]!, 90 * KiB);
    expect(reading()).toEqual(['h0']);
    holders[0]!.canRead = false;
    budget.update(holders[0]!, 90 * KiB);
    // h1 holds the most of those waiting that can read.
    expect(reading()).toEqual(['h0', 'h1']);
    expect(budget.holds(holders[2]!)).toBe(true);
  });

  it('a holder whose message is done (waiting in its backlog) hands its turn over; one holding only a backlog never gets one', () => {
    const { budget, holders, reading } = setup(100 * KiB, 3);
    holders[0]!.backlogOnly = true;
    budget.update(holders[0]!, 50 * KiB);
    budget.update(holders[1]!, 40 * KiB);
    budget.update(holders[2]!, 20 * KiB); // crosses: h1 is the largest that has a message to finish
    expect(reading()).toEqual(['h1']);
    // h1's message completes into its backlog: its count stays, but it has nothing to finish.
    holders[1]!.backlogOnly = true;
    budget.update(holders[1]!, 40 * KiB);
    expect(reading()).toEqual(['h1', 'h2']);
  });

  it('never gives a turn to a holder that could not read anyway', () => {
    const { budget, holders, reading } = setup(100 * KiB, 2);
    budget.update(holders[0]!, 60 * KiB);
    holders[1]!.canRead = false;
    budget.update(holders[1]!, 60 * KiB); // crosses: h0 is the one that can finish
    expect(reading()).toEqual(['h0']);
    expect(budget.settled).toBe(false);
    holders[1]!.canRead = true;
    budget.leave(holders[0]!);
    expect(reading()).toEqual(['h0', 'h1']);
    expect(budget.settled).toBe(true);
  });
});
