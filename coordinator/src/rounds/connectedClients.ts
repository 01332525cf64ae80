import type { Address } from "viem";
import type { FederationFinished, FitInstruction, RoundEnd } from "@fedledger/client-sdk";

/** What the round engine needs from the transport: the authenticated, connected clients. */
export interface ConnectedClients {
  /** Addresses of authenticated participants connected now, sorted ascending. */
  available(): Address[];
  /** Resolves when at least `count` are connected, or false after `timeoutMs`. */
  waitForAvailable(count: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Sends a fit instruction; resolves true when the client acknowledged it in time. */
  sendFit(address: Address, instruction: FitInstruction): Promise<boolean>;
  /** Tells clients a round ended. */
  sendRoundEnd(addresses: readonly Address[], end: RoundEnd): void;
  /** Tells clients (all logged-in ones when `addresses` is omitted) that the federation finished. */
  sendFinished(finished: FederationFinished, addresses?: readonly Address[]): void;
  /** Closes the participant's session (e.g. deactivated on the ledger); false when it had none. */
  disconnect(address: Address): boolean;
}
