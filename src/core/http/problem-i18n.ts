import type { Context } from "hono";
import { detectFromHeader } from "hono/language";
import type { ZodError } from "zod";
import en from "zod/v4/locales/en.js";
import ru from "zod/v4/locales/ru.js";
import type { FieldProblem } from "../errors.js";
import { MESSAGES_RU, NOUNS_RU, TITLES_RU } from "./problem-messages-ru.js";

/** The languages problem documents are written in; English is the default and the message ids. */
export const PROBLEM_LANGUAGES = ["en", "ru"] as const;
export type ProblemLanguage = (typeof PROBLEM_LANGUAGES)[number];

const DETECTOR = {
  order: ["header"],
  lookupQueryString: "lang",
  lookupCookie: "language",
  lookupFromHeaderKey: "accept-language",
  lookupFromPathIndex: 0,
  caches: false,
  ignoreCase: true,
  fallbackLanguage: "en",
  supportedLanguages: [...PROBLEM_LANGUAGES],
  debug: false,
} as const;

/** The reader's language from `Accept-Language` (q-values, `ru-RU` → `ru`), else English. */
export function problemLanguage(c: Context): ProblemLanguage {
  return (detectFromHeader(c, DETECTOR as unknown as Parameters<typeof detectFromHeader>[1]) as ProblemLanguage | undefined) ?? "en";
}

interface Pattern {
  names: string[];
  regex: RegExp;
  template: string;
  /** Literal characters: the more a pattern has, the more specific it is, and the earlier it is tried. */
  weight: number;
}

const PATTERNS: Pattern[] = Object.entries(MESSAGES_RU)
  .filter(([english]) => english.includes("{"))
  .map(([english, template]) => {
    const names: string[] = [];
    const parts = english.split(/(\{\w+\})/);
    const source = parts
      .map((part, i) => {
        const name = /^\{(\w+)\}$/.exec(part)?.[1];
        if (!name) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        names.push(name);
        // A quoted value ends at its closing quote, so two such messages joined by "; " are two matches.
        return parts[i - 1]?.endsWith('"') && parts[i + 1]?.startsWith('"') ? '([^"]*)' : "([\\s\\S]+?)";
      })
      .join("");
    return { names, regex: new RegExp(`^${source}$`), template, weight: english.replace(/\{\w+\}/g, "").length };
  })
  .sort((a, b) => b.weight - a.weight);

/**
 * `text` in `lang`: the catalog's entry for it, or for the pattern it fits (values filled back in,
 * nouns and nested messages translated too); English text without an entry comes back unchanged.
 */
export function localizeText(text: string, lang: ProblemLanguage, depth = 0): string {
  if (lang === "en" || depth > 3) return text;
  const exact = MESSAGES_RU[text];
  if (exact !== undefined) return exact;
  for (const pattern of PATTERNS) {
    const match = pattern.regex.exec(text);
    if (!match) continue;
    const values = Object.fromEntries(pattern.names.map((name, i) => [name, match[i + 1]!]));
    return pattern.template.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = values[name] ?? "";
      if (name === "what") return NOUNS_RU[value] ?? value;
      if (name.startsWith("msg")) return localizeText(value, lang, depth + 1);
      return value;
    });
  }
  // Several problems joined into one detail: each on its own.
  if (text.includes("; ")) return text.split("; ").map((part) => localizeText(part, lang, depth + 1)).join("; ");
  return text;
}

/** A problem `title` in `lang` (titles are fixed texts). */
export function localizeTitle(title: string, lang: ProblemLanguage): string {
  return lang === "ru" ? (TITLES_RU[title] ?? title) : title;
}

/** A field problem's message in `lang`: one its producer gave in that language, else the catalog's. */
export function localizeFieldMessage(problem: FieldProblem, lang: ProblemLanguage): string {
  if (lang === "en") return problem.message;
  return problem.localized?.[lang] ?? localizeText(problem.message, lang);
}

const zodLocales = { en: en().localeError, ru: ru().localeError };
type RawIssue = Parameters<typeof zodLocales.en>[0];

/**
 * zod's issues as field problems, each with its Russian message. zod's own messages are said again
 * by zod's Russian locale (its error map applied to the issue, with the input read back from the
 * request at the issue's path, since zod drops it); messages the schema chose are the catalog's.
 */
export function zodFieldProblems(error: ZodError, prefix: string | undefined, input: unknown): FieldProblem[] {
  return error.issues.map((issue) => {
    const raw = { ...issue, input: valueAt(input, issue.path) } as unknown as RawIssue;
    const ownMessage = messageOf(zodLocales.en(raw)) === issue.message;
    return {
      path: [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== "").join(".") || "(body)",
      message: issue.message,
      localized: { ru: ownMessage ? (messageOf(zodLocales.ru(raw)) ?? issue.message) : localizeText(issue.message, "ru") },
    };
  });
}

function messageOf(result: unknown): string | undefined {
  if (typeof result === "string") return result;
  if (result && typeof result === "object" && "message" in result && typeof result.message === "string") return result.message;
  return undefined;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let here = value;
  for (const key of path) {
    if (here === null || typeof here !== "object") return undefined;
    here = (here as Record<PropertyKey, unknown>)[key];
  }
  return here;
}
