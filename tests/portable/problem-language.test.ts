/**
 * Problem documents in the reader's language: `Accept-Language` picks English or Russian for
 * `title`, `detail` and each `errors[].message` (zod's own messages through zod's Russian locale);
 * `type`, `status` and the field paths never change. Portable: runs on Node, Deno and workerd.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type HeraldProcess, startHerald } from "../support/server.js";

let herald: HeraldProcess;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  herald = await startHerald();
  call = api(herald.url);
});
afterAll(() => herald?.stop());

const RU = { "accept-language": "ru-RU,ru;q=0.9,en;q=0.8" };
const EN = { "accept-language": "en-US,en;q=0.9" };

describe("problem details by Accept-Language", () => {
  it("says a refused rule in Russian, field by field, and in English to everyone else", async () => {
    const rule = { event: "", steps: [{ channel: "realtime", template: "nope", delay: "soon" }] };
    const ru = await call("PUT", "/v1/rules/r1", rule, RU);
    const en = await call("PUT", "/v1/rules/r1", rule, EN);
    const none = await call("PUT", "/v1/rules/r1", rule);
    expect(ru.status).toBe(400);
    expect(ru.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(ru.headers.get("content-language")).toBe("ru");
    expect(ru.headers.get("vary")).toMatch(/accept-language/i);
    expect(ru.body).toMatchObject({ type: en.body.type, status: 400, title: "Запрос содержит ошибки", detail: "запрос не соответствует схеме" });
    expect(en.body).toMatchObject({ title: "Your request is not valid", detail: "the request does not match the schema" });
    expect(none.body).toEqual(en.body);
    const messages = (doc: { errors: { path: string; message: string }[] }) => Object.fromEntries(doc.errors.map((e) => [e.path, e.message]));
    expect(messages(ru.body)).toEqual({
      event: "Слишком маленькое значение: ожидалось, что string будет иметь >=1 символ",
      "steps.0.delay": 'длительность, например "500ms", "30s", "5m", "2h" или "1d"',
    });
    expect(messages(en.body)).toEqual({ event: "Too small: expected string to have >=1 characters", "steps.0.delay": 'a duration such as "500ms", "30s", "5m", "2h" or "1d"' });
  });

  it("translates the checks routes make themselves, with their values", async () => {
    const ru = await call("PUT", "/v1/rules/r2", { event: "order.paid", steps: [{ channel: "realtime", template: "no-such-template" }] }, RU);
    expect(ru.status).toBe(400);
    expect(ru.body.detail).toBe("правило ссылается на то, чего нет или что не подходит");
    expect(ru.body.errors).toEqual([{ path: "steps.0.template", message: "нет шаблона «no-such-template»" }]);
    const missing = await call("GET", "/v1/templates/ghost", undefined, { "accept-language": "ru" });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ title: "Не найдено", detail: "шаблон «ghost» не существует" });
    // A broken template: Herald's frame in Russian around the compiler's own report.
    const broken = await call("PUT", "/v1/templates/t1", { channels: { realtime: { title: "{{data.x}", body: "b" } } }, RU);
    expect(broken.status).toBe(400);
    expect(broken.body.detail).toBe("шаблон не компилируется");
    expect(broken.body.errors[0].path).toBe("channels.realtime.title");
    expect(broken.body.errors[0].message).toMatch(/^Ошибка разбора в строке 1:/);
    // A language Herald does not speak gets English.
    const de = await call("GET", "/v1/templates/ghost", undefined, { "accept-language": "de-DE" });
    expect(de.body.detail).toBe('template "ghost" does not exist');
    expect(de.headers.get("content-language")).toBe("en");
  });

  it("answers unauthenticated callers in their language too", async () => {
    const anonymous = api(herald.url, null);
    const ru = await anonymous("GET", "/v1/stats", undefined, RU);
    expect(ru.status).toBe(401);
    expect(ru.body).toMatchObject({ title: "Нужна аутентификация", detail: "передайте Authorization: Bearer <API-ключ> или войдите в /admin/" });
  });
});
