import { describe, expect, it } from "vitest";
import { itemFrames, wsFrame, wsText, type InboxItem } from "./frames.js";

const item: InboxItem = {
  id: 'msg_"seq":0_tricky',
  seq: 0,
  type: "message",
  topic: "ticket:77",
  title: null,
  body: 'He said "seq":0 and left',
  url: null,
  data: { seq: 0, nested: { "\"seq\":0": true } },
  actions: [],
  sender: { id: null, name: null, system: true },
  clientMessageId: "c-1",
  createdAt: "2026-11-22T12:00:00.000Z",
  seenAt: null,
  readAt: null,
};

describe("item frames built once for many streams", () => {
  it("give each stream exactly the text JSON.stringify would, with its own seq", () => {
    const seqs = [1, 2, 10, 999, 123456789012];
    const frames = itemFrames(item, seqs);
    expect(frames.map((f) => (f.type === "item" ? f.item.seq : -1))).toEqual(seqs);
    for (const frame of frames) {
      expect(wsText(frame)).toBe(JSON.stringify(wsFrame(frame)));
      expect(JSON.parse(wsText(frame))).toEqual({ ...(frame.type === "item" ? frame.item : {}), type: "message" });
    }
  });

  it("keep the prebuilt text out of the frame itself (frames are also sent as JSON between processes)", () => {
    const [frame] = itemFrames(item, [7]);
    expect(Object.keys(frame!)).toEqual(["type", "item"]);
    expect(JSON.stringify(frame)).not.toContain("\\\"type\\\"");
  });

  it("other frames are serialized as they come", () => {
    expect(wsText({ type: "unread", count: 3 })).toBe('{"type":"unread","count":3}');
  });
});
