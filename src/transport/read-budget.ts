import { currentInput } from './zlib-backpressure';

/** What one socket read may add before its connection notices the budget (Node reads ≤ 64 KiB). */
export const READ_CHUNK_BYTES = 64 * 1024;

/** A connection as the budget sees it: what it holds, and a way to stop and restart its reads. */
export interface BudgetHolder {
  /** @internal The bytes the budget counts for it (written by the budget only). */
  budgetHeld: number;
  /** Whether it would read if the budget let it (not paused for another reason, not closed). */
  readonly canRead: boolean;
  /** Whether it is in the middle of a message (reading on would finish it). */
  readonly receiving: boolean;
  /** Stop reading from the socket. */
  pauseForBudget(): void;
  /** Reading may go on, unless something else still pauses it. */
  resumeForBudget(): void;
}

/**
 * A server-wide bound on the bytes held in incoming messages: partly received ones (their
 * buffers), ones being decompressed, and backlogs waiting for a subscriber. Per-connection
 * limits add up (64 connections each holding 31 MiB of an unfinished message is 2 GB); this
 * bounds the sum.
 *
 * When a read crosses the limit, every connection holding part of a message (or a backlog)
 * stops reading before its next read; past it, so does any connection whose message grows.
 * Connections that only receive small whole messages hold nothing between reads and are not
 * held up. One waiting connection at
 * a time — the one holding the most, which frees the most when it is done — may read on past the
 * limit to finish its message, so a message larger than what is left always completes and
 * nothing deadlocks. As memory frees, waiting connections resume oldest first, each taking the
 * room of its next growth. While the limit is crossed, message buffers grow by a quarter (at
 * least one read) instead of up to 4×, except that one connection's. Bound: the limit, plus the
 * message that connection finishes (up to `maxMessageBytes`), plus the growth of the read that
 * crossed it (a read, or a quarter of what its connection held), plus what Node had already read
 * from the sockets it paused (its stream buffer, up to 64 KiB each).
 */
export class ReadBudget {
  private held = 0;
  /** Paused by the budget, oldest first. */
  private readonly paused = new Set<BudgetHolder>();
  /** Holders that hold something now (they are paused all at once when the limit is crossed). */
  private readonly holding = new Set<BudgetHolder>();
  /** The paused connection let past the limit to finish its message. */
  private runner: BudgetHolder | undefined;
  /** The most ever held at once (diagnostics and tests). */
  peakBytes = 0;

  constructor(
    /** The bound (`maxBufferedMessageBytes`). */
    readonly limitBytes: number,
  ) {}

  /** Bytes held now across every connection. */
  get heldBytes(): number {
    return this.held;
  }

  /** Connections the budget keeps from reading now. */
  get pausedCount(): number {
    return this.paused.size;
  }

  /** Nobody is paused and nobody is let past the limit: a holder whose count did not change has
   *  nothing to report. */
  get settled(): boolean {
    return this.paused.size === 0 && this.runner === undefined;
  }

  /** True while the budget keeps `holder` from reading. */
  holds(holder: BudgetHolder): boolean {
    return this.paused.size !== 0 && this.paused.has(holder);
  }

  /** `holder` now holds `bytes` (after a read, a delivery, a pause). */
  update(holder: BudgetHolder, bytes: number): void {
    const delta = bytes - holder.budgetHeld;
    const crossed = delta > 0 && this.held <= this.limitBytes && this.held + delta > this.limitBytes;
    this.held += delta;
    holder.budgetHeld = bytes;
    if (bytes === 0) this.holding.delete(holder);
    else this.holding.add(holder);
    if (this.held > this.peakBytes) this.peakBytes = this.held;
    // Before anyone's next read: the others holding part of a message would each grow once more.
    if (crossed) for (const other of this.holding) if (other !== this.runner) this.pause(other);
    if (holder === this.runner) {
      // Its message is done (delivered, or waiting in its backlog) or it cannot read on: let
      // another finish theirs.
      if (!holder.receiving || !holder.canRead) this.runner = undefined;
    } else if (delta > 0 && this.held > this.limitBytes) {
      this.pause(holder);
    }
    if (delta <= 0 || this.runner === undefined) this.rebalance();
  }

  /**
   * Allocates the message buffers of the connections under this budget (the core's
   * `allocMessage`): what the assembler asks for (it grows up to 4× at a time) while there is
   * room, but only a quarter more than needed (at least one read) once that would cross the
   * limit, so a buffer does not take memory far ahead of the bytes that fill it. The connection
   * let through to finish its message grows as usual (fewer copies: it is the one to hurry).
   */
  readonly allocMessage = (size: number, needed = size): Uint8Array => {
    if (size - needed > READ_CHUNK_BYTES && this.held + size - needed > this.limitBytes && (this.runner === undefined || (currentInput() as unknown) !== this.runner)) {
      const tight = needed + nextGrowth(needed);
      if (tight < size) size = tight;
    }
    return Buffer.allocUnsafe(size);
  };

  /** `holder` closed: what it held is free. */
  leave(holder: BudgetHolder): void {
    this.held -= holder.budgetHeld;
    holder.budgetHeld = 0;
    this.holding.delete(holder);
    this.paused.delete(holder);
    if (this.runner === holder) this.runner = undefined;
    this.rebalance();
  }

  private pause(holder: BudgetHolder): void {
    if (this.paused.has(holder)) return;
    this.paused.add(holder);
    holder.pauseForBudget();
  }

  private rebalance(): void {
    const paused = this.paused;
    if (paused.size === 0) return;
    // Room again: resume the oldest paused, each taking the room of its next growth (at least one).
    let room = this.limitBytes - this.held;
    if (room > 0) {
      for (const holder of paused) {
        paused.delete(holder);
        holder.resumeForBudget();
        room -= nextGrowth(holder.budgetHeld);
        if (room <= 0) break;
      }
      return;
    }
    if (this.runner !== undefined) return;
    // Nobody can read on within the limit: let the one holding the most finish its message (one
    // that holds only a backlog has nothing to finish: its subscriber frees it).
    let best: BudgetHolder | undefined;
    for (const holder of paused) if (holder.canRead && holder.receiving && (best === undefined || holder.budgetHeld > best.budgetHeld)) best = holder;
    if (best === undefined) return;
    paused.delete(best);
    this.runner = best;
    best.resumeForBudget();
  }
}

/** How much a buffer of `bytes` grows by while memory is tight: a quarter, at least one read. */
function nextGrowth(bytes: number): number {
  const quarter = Math.floor(bytes / 4);
  return quarter > READ_CHUNK_BYTES ? quarter : READ_CHUNK_BYTES;
}
