import { describe, expect, it } from "vitest";
import { resolveConnection } from "./resolveConnection.ts";

const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe("resolveConnection", () => {
  it("takes flags first, then FEDLEDGER_RPC_URL / FEDLEDGER_LEDGER", () => {
    expect(resolveConnection({ rpcUrl: "http://a:1", ledger: LEDGER.toLowerCase() }, { FEDLEDGER_RPC_URL: "http://b:2" })).toEqual({
      rpcUrl: "http://a:1",
      ledger: LEDGER,
      range: {},
    });
    expect(resolveConnection({}, { FEDLEDGER_RPC_URL: "http://b:2", FEDLEDGER_LEDGER: LEDGER })).toMatchObject({ rpcUrl: "http://b:2", ledger: LEDGER });
    expect(resolveConnection({ fromBlock: "12", maxBlockRange: "500" }, { FEDLEDGER_RPC_URL: "http://b:2", FEDLEDGER_LEDGER: LEDGER }).range).toEqual({
      fromBlock: 12n,
      maxBlockRange: 500n,
    });
  });

  it("refuses missing or malformed values with INVALID_CONFIG", () => {
    const invalid = (message?: string) => expect.objectContaining({ code: "INVALID_CONFIG", ...(message ? { shortMessage: message } : {}) });
    expect(() => resolveConnection({ ledger: LEDGER }, {})).toThrow(invalid("No RPC URL: pass --rpc-url or set FEDLEDGER_RPC_URL"));
    expect(() => resolveConnection({ rpcUrl: "http://a" }, { FEDLEDGER_LEDGER: " " })).toThrow(invalid("No ledger address: pass --ledger or set FEDLEDGER_LEDGER"));
    expect(() => resolveConnection({ rpcUrl: "http://a", ledger: "0x12" }, {})).toThrow(invalid("The ledger address is not a valid address"));
    expect(() => resolveConnection({ rpcUrl: "http://a", ledger: LEDGER, fromBlock: "-1" }, {})).toThrow(invalid());
    expect(() => resolveConnection({ rpcUrl: "http://a", ledger: LEDGER, fromBlock: "0x10" }, {})).toThrow(invalid());
    expect(() => resolveConnection({ rpcUrl: "http://a", ledger: LEDGER, maxBlockRange: "0" }, {})).toThrow(invalid());
  });
});
