/**
 * @module locales
 * The registry of message catalogs, one file per locale in this folder. Adding a locale: write
 * `emails/locales/<tag>.ts` exporting a `Messages` object and list it below (the bundler cannot discover files);
 * `test/email-locales.test.ts` fails when a key is missing or a file here is not listed.
 */
import { de } from "./de.ts";
import { en } from "./en.ts";
import { es } from "./es.ts";
import { fr } from "./fr.ts";
import { ja } from "./ja.ts";
import { ptBR } from "./pt-BR.ts";
import type { Messages } from "./types.ts";

export type { Messages } from "./types.ts";

/** Every catalog by tag; English first (the default). */
export const CATALOGS: Readonly<Record<string, Messages>> = Object.fromEntries([en, de, fr, es, ja, ptBR].map((m) => [m.tag, m]));
export const LOCALE_TAGS: readonly string[] = Object.keys(CATALOGS);
export const DEFAULT_CATALOG: Messages = en;
