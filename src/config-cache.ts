/** @module config-cache — parse the env once per isolate (per env object), not per request. */
import { loadConfig, type Config } from "./config.ts";

const cache = new WeakMap<object, Config>();

export function configOf(env: object): Config {
  let config = cache.get(env);
  if (config === undefined) {
    config = loadConfig(env as Record<string, unknown>);
    cache.set(env, config);
  }
  return config;
}
