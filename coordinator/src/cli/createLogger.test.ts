import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { chooseLogFormat, createLogger } from "./createLogger.ts";

function sink() {
  let text = "";
  const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void (text += chunk.toString())) });
  return { stream, text: () => text };
}

describe("the coordinator's log format", () => {
  it("is readable on a terminal and JSON elsewhere, unless --log-format says otherwise", () => {
    expect(chooseLogFormat(undefined, true)).toBe("pretty");
    expect(chooseLogFormat(undefined, false)).toBe("json");
    expect(chooseLogFormat("json", true)).toBe("json");
    expect(chooseLogFormat("pretty", false)).toBe("pretty");
    expect(() => chooseLogFormat("yaml", true)).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
  });

  it("json writes one JSON object per line; pretty writes a readable line with the level, message and fields", async () => {
    const json = sink();
    (await createLogger({ level: "info", format: "json", destination: json.stream })).info({ round: 3 }, "round recorded");
    expect(JSON.parse(json.text())).toMatchObject({ level: 30, round: 3, msg: "round recorded" });

    const pretty = sink();
    const logger = await createLogger({ level: "info", format: "pretty", destination: pretty.stream });
    logger.info({ round: 3 }, "round recorded");
    logger.debug("not at info");
    expect(pretty.text()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: round recorded\n {4}round: 3\n$/);
  });
});
