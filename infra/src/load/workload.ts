import type { ApiClient } from '../api-client';
import type { HttpAnswer, HttpSender } from './http-sender';
import type { ExecutionSeen } from './subscribers';

/** What the runner makes of one answer. */
export type Outcome =
  /** Answered as asked: 202 for an order (with its id), 200 for a cancel. */
  | { kind: 'ok'; orderId?: string }
  /** Refused, but the workload expects it (a cancel of a quote a taker has filled): not an error. */
  | { kind: 'expected'; what: string }
  | { kind: 'error'; what: string };

/** One signed POST the runner sends on the schedule. */
export interface Command {
  /** What it is, for the per-kind counts and latencies ("order", "place", "cancel", "taker"). */
  kind: string;
  signer: ApiClient;
  path: string;
  body: string;
  /** An order that must trade once accepted: one never seen in an Execution is an error. */
  mustExecute: boolean;
  /** Reads the answer (the workload learns resting order ids from it). */
  settle(answer: HttpAnswer): Outcome;
}

/** What a workload gets to set itself up before the clock starts. */
export interface WorkloadContext {
  sender: HttpSender;
  /** A new account, funded when the runner can fund (admin token). */
  newAccount(prefix: string): Promise<ApiClient>;
}

/**
 * A scenario the runner drives at a fixed rate: `crossing` (order-flow.ts) or `maker`
 * (maker-flow.ts). The runner owns the clock, the sending, the latencies and the error count;
 * the workload decides what each slot sends and what its answers mean.
 */
export interface Workload {
  readonly name: 'crossing' | 'maker';
  /**
   * True when the maker side of every Execution is an order the runner tracks (mustExecute), so
   * one seen before its own answer is remembered; false when resting quotes are not tracked.
   */
  readonly makersMustExecute: boolean;
  /** Accounts, funds and whatever must rest before the clock starts. */
  setup(ctx: WorkloadContext): Promise<void>;
  /** The command of the next slot; undefined when there is nothing to send yet (counted as not sent). */
  next(): Command | undefined;
  /** Sent after the last slot so that the run ends whole (the Buy of a half pair). */
  closing(): Command[];
  /** Every Execution the first subscriber sees. */
  onExecution(e: ExecutionSeen): void;
  /** True once nothing the workload waits for is outstanding (the drain waits for it). */
  settled(): boolean;
  /** Errors only the workload can judge, after the drain (each with a sample message). */
  errors(): string[];
  /** Report lines about its commands, after the drain. */
  report(): string[];
  /** Leaves a running exchange as found (cancels what still rests); not measured. */
  cleanUp(): Promise<void>;
}
