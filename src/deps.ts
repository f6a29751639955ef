/**
 * @module deps
 * Everything the consumer, the dispatcher and the routes need, built once from the env. Clients are
 * factories of config, so tests point them at local fakes; a missing key means "not configured".
 */
import type { GoogleGenAI } from "@google/genai";
import type { Resend } from "resend";
import type Stripe from "stripe";
import { createGemini } from "./clients/gemini.ts";
import { createResend } from "./clients/resend.ts";
import { createStripe } from "./clients/stripe.ts";
import type { Config } from "./config.ts";
import { configOf } from "./config-cache.ts";
import type { Env } from "./env.ts";
import type { DunningJob } from "./queue/messages.ts";
import { slowD1, slowKv } from "./ledger/simulated-latency.ts";

export interface GeminiHandle {
  client: GoogleGenAI;
  model: string;
  timeoutMs: number;
}

export interface Deps {
  config: Config;
  db: D1Database;
  kv: KVNamespace;
  queue: Queue<DunningJob>;
  stripe: Stripe | null;
  resend: Resend | null;
  gemini: GeminiHandle | null;
  fastGemini: GeminiHandle | null;
  clock: () => number;
}

const cache = new WeakMap<object, Deps>();

export function depsOf(env: Env): Deps {
  const hit = cache.get(env);
  if (hit) return hit;
  const config = configOf(env);
  const client = createGemini(config);
  const deps: Deps = {
    config,
    db: config.simulatedStorageRttMs > 0 ? slowD1(env.LEDGER, config.simulatedStorageRttMs) : env.LEDGER,
    kv: config.simulatedStorageRttMs > 0 ? slowKv(env.BILLING_KV, config.simulatedStorageRttMs) : env.BILLING_KV,
    queue: env.DUNNING_QUEUE,
    stripe: createStripe(config),
    resend: createResend(config),
    gemini: client === null ? null : { client, model: config.geminiModel, timeoutMs: config.geminiTimeoutMs },
    fastGemini: client === null ? null : { client, model: config.geminiFastModel, timeoutMs: Math.min(config.geminiTimeoutMs, 5000) },
    clock: () => Date.now(),
  };
  cache.set(env, deps);
  return deps;
}
