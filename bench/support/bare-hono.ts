// The ceiling for any Hono app on Node here: parse a JSON body, answer 202. Run by bench/ingest.ts
// as its own process, the way Herald runs, to show what the HTTP layer alone costs on this machine.
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono();
app.post("/v1/events", async (c) => {
  const body = await c.req.json<{ id: string }>();
  return c.json({ id: body.id }, 202);
});
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  console.log(JSON.stringify({ msg: "ready", url: `http://127.0.0.1:${info.port}` }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
