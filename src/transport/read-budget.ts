/** What one socket read may add before its connection notices the budget (Node reads ≤ 64 KiB). */
export const READ_CHUNK_BYTES = 64 * 1024;

/** A connection as the budget sees it: what it holds, and a way to stop and restart its reads. */
export interface BudgetHolder {
  /** @internal The bytes the budget counts for it (written by the budget only). */
  budgetHeld: number;
  /** Whether it would read if the budget let it (not paused for another reason, not closed). */
  readonly canRead: boolean;
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
 * Past the limit, a connection that needs more (its message grew in a read) stops reading, so
 * connections that only receive small whole messages are not held up. One waiting connection at
 * a time — the one holding the most, which frees the most when it is done — may read on past the
 * limit to finish its message, so a message larger than what is left always completes and
 * nothing deadlocks. As memory frees, waiting connections resume oldest first, one per 64 KiB of
 * room. Bound: the limit, plus the message that connection finishes (up to `maxMessageBytes`),
 * plus one read (64 KiB) per connection that was reading when the limit was crossed.
 */
export class ReadBudget {
  private held = 0;
  /** Paused by the budget, oldest first. */
  private readonly paused = new Set<BudgetHolder>();
  /** The paused connection let past the limit to finish its message. */
  private runner: BudgetHolder | undefined;
  /** The most ever held at once (diagnostics and tests). */
  peakBytes = 0;

  constructor(readonly limitBytes: number) {}

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
    this.held += delta;
    holder.budgetHeld = bytes;
    if (this.held > this.peakBytes) this.peakBytes = this.held;
    if (holder === this.runner) {
      // Its message is done (memory freed) or it cannot read on: let another finish theirs.
      if (delta >= 0 && holder.canRead) return;
      this.runner = undefined;
    } else if (delta > 0 && this.held > this.limitBytes && !this.paused.has(holder)) {
      this.paused.add(holder);
      holder.pauseForBudget();
    }
    if (delta <= 0 || this.runner === undefined) this.rebalance();
  }

  /**
   * Allocates the message buffers of the connections under this budget (the core's
   * `allocMessage`): what the assembler asks for (it grows up to 4× at a time) while there is
   * room, but only a quarter more than needed (at least one read) once that would cross the
   * limit, so a buffer does not take memory far ahead of the bytes that fill it.
   */
  readonly allocMessage = (size: number, needed = size): Uint8Array => {
    if (size - needed > READ_CHUNK_BYTES && this.held + size - needed > this.limitBytes) {
      const tight = needed + Math.max(READ_CHUNK_BYTES, Math.floor(needed / 4));
      if (tight < size) size = tight;
    }
    return Buffer.allocUnsafe(size);
  };

  /** `holder` closed: what it held is free. */
  leave(holder: BudgetHolder): void {
    this.held -= holder.budgetHeld;
    holder.budgetHeld = 0;
    this.paused.delete(holder);
    if (this.runner === holder) this.runner = undefined;
    this.rebalance();
  }

  private rebalance(): void {
    const paused = this.paused;
    if (paused.size === 0) return;
    // Room again: resume the oldest paused, one per read's worth of room (at least one).
    let room = this.limitBytes - this.held;
    if (room > 0) {
      for (const holder of paused) {
        paused.delete(holder);
        holder.resumeForBudget();
        room -= READ_CHUNK_BYTES;
        if (room <= 0) break;
      }
      return;
    }
    if (this.runner !== undefined) return;
    // Nobody can read on within the limit: let the one holding the most finish its message.
    let best: BudgetHolder | undefined;
    for (const holder of paused) if (holder.canRead && (best === undefined || holder.budgetHeld > best.budgetHeld)) best = holder;
    if (best === undefined) return;
    paused.delete(best);
    this.runner = best;
    best.resumeForBudget();
  }
}
