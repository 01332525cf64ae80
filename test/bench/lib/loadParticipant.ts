import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** The load benchmark's participant i: its key and dataset commitment (registered by load.ts, used by loadClients.ts). */
export function loadParticipant(i: number) {
  return { account: privateKeyToAccount(keccak256(toHex(`fedledger load bench ${i}`))), commitment: keccak256(toHex(`load bench data ${i}`)) };
}
