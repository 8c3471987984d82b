import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ProblemError } from "../../src/core/errors.js";
import { ExternalId } from "../../src/core/schemas/common.js";
import { RuleInput } from "../../src/core/schemas/rule.js";
import { localizeText, localizeTitle, zodFieldProblems } from "../../src/core/http/problem-i18n.js";
import { MESSAGES_RU, TITLES_RU } from "../../src/core/http/problem-messages-ru.js";
import { problemJson } from "../../src/core/http/problem.js";

describe("problem documents in Russian", () => {
  it("translates titles, details with values, nouns and nested messages", () => {
    expect(localizeTitle("Your request is not valid", "ru")).toBe("Запрос содержит ошибки");
    expect(localizeText('template "order-status" does not exist', "ru")).toBe("шаблон «order-status» не существует");
    expect(localizeText('no template "no-such-template"', "ru")).toBe("нет шаблона «no-such-template»");
    expect(localizeText("X-Herald-Signature: the signature is older than 5 minutes", "ru")).toBe("X-Herald-Signature: подписи больше 5 минут");
    expect(localizeText("Parse error on line 1:\n{{data.x}\n--^\nExpecting 'CLOSE'", "ru")).toBe("Ошибка разбора в строке 1:\n{{data.x}\n--^\nExpecting 'CLOSE'");
    // Joined problems, each translated; text with no entry stays as it is.
    expect(localizeText('no template "a"; no template "b"', "ru")).toBe("нет шаблона «a»; нет шаблона «b»");
    expect(localizeText("a message nobody wrote down", "ru")).toBe("a message nobody wrote down");
    expect(localizeText('no template "a"', "en")).toBe('no template "a"');
  });

  it("keeps type, status and paths, and says zod's own messages with zod's Russian locale", () => {
    const input = { event: "", steps: [{ channel: 5, template: "t", delay: "soon" }], extra: true };
    const result = RuleInput.safeParse(input);
    expect(result.success).toBe(false);
    const problems = zodFieldProblems(result.error!, undefined, input);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(byPath.event!.message).toBe("Too small: expected string to have >=1 characters");
    expect(byPath.event!.localized!.ru).toBe("Слишком маленькое значение: ожидалось, что string будет иметь >=1 символ");
    // The received type is read back from the input (zod drops it from finished issues).
    expect(byPath["steps.0.channel"]!.localized!.ru).toBe("Неверный ввод: ожидалось string, получено число");
    // A message the schema chose comes from Herald's catalog.
    expect(byPath["steps.0.delay"]!.localized!.ru).toBe('длительность, например "500ms", "30s", "5m", "2h" или "1d"');
    expect(byPath["(body)"]!.localized!.ru).toBe("Нераспознанный ключ: \"extra\"");

    const problem = new ProblemError(400, "validation-error", "Your request is not valid", "the request does not match the schema", { errors: problems });
    const ruDoc = JSON.parse(problemJson(problem, "/v1/rules/x", "ru"));
    const enDoc = JSON.parse(problemJson(problem, "/v1/rules/x", "en"));
    expect(ruDoc).toMatchObject({ type: enDoc.type, status: 400, title: "Запрос содержит ошибки", detail: "запрос не соответствует схеме" });
    expect(ruDoc.errors.map((e: { path: string }) => e.path)).toEqual(enDoc.errors.map((e: { path: string }) => e.path));
    expect(enDoc.errors.find((e: { path: string }) => e.path === "event").message).toBe("Too small: expected string to have >=1 characters");
    expect(Object.keys(ruDoc.errors[0])).toEqual(["path", "message"]);
  });

  it("says messages of refinements in Russian", () => {
    const result = z.object({ id: ExternalId }).safeParse({ id: "бад id" });
    expect(zodFieldProblems(result.error!, "json", { id: "бад id" })[0]).toMatchObject({ path: "json.id", localized: { ru: "используйте буквы, цифры и . _ : @ + - (в начале буква или цифра)" } });
  });

  it("has a translation for every message and title the HTTP layer writes", () => {
    const missing: string[] = [];
    const keys = new Set(Object.keys(MESSAGES_RU).map(shape));
    for (const file of sources(join(import.meta.dirname, "../../src/core"))) {
      const text = readFileSync(file, "utf8");
      for (const message of writtenMessages(text)) if (!keys.has(shape(message)) && !(message in TITLES_RU)) missing.push(`${file.slice(file.indexOf("src/"))}: ${message}`);
      for (const title of writtenTitles(text)) if (!(title in TITLES_RU)) missing.push(`${file.slice(file.indexOf("src/"))}: title ${title}`);
    }
    expect(missing).toEqual([]);
  });
});

/** A message with its values (`${…}` in code, `{name}` in the catalog) reduced to `{}`. */
const shape = (text: string) => text.replace(/\$\{[^}]*\}|\{\w+\}/g, "{}");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) && !name.startsWith("problem-") ? [path] : [];
  });
}

const LITERAL = String.raw`("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`(?:[^`\\\\]|\\\\.)*`)";
const unquote = (literal: string) => literal.slice(1, -1).replace(/\\(.)/g, "$1");

/** Details and field messages as the code writes them: first arguments of the problem helpers, `message:` of field problems, zod's custom messages. */
function writtenMessages(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    new RegExp(String.raw`(?:invalidRequest|unauthorized)\(\s*` + LITERAL, "g"),
    new RegExp(String.raw`new ProblemError\([^,]+,\s*"[^"]+",\s*[^,]+,\s*` + LITERAL, "g"),
    new RegExp(String.raw`path:[^{}]*?message:\s*` + LITERAL, "g"),
    new RegExp(String.raw`\.(?:regex|refine)\(.*?,\s*` + LITERAL + String.raw`\s*\)`, "g"),
  ];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(unquote(match[1]!));
  return found;
}

function writtenTitles(text: string): string[] {
  return [...text.matchAll(/new ProblemError\([^,]+,\s*"[^"]+",\s*"([^"]+)"/g)].map((m) => m[1]!);
}
