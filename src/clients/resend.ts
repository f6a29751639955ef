/** @module clients/resend — the Resend client from config; `RESEND_BASE_URL` points it at a local fake. */
import { Resend } from "resend";
import type { Config } from "../config.ts";
import { VERSION } from "../constants.ts";

export function createResend(config: Config): Resend | null {
  if (config.resendApiKey === null) return null;
  return new Resend(config.resendApiKey, {
    ...(config.resendBaseUrl !== null ? { baseUrl: config.resendBaseUrl } : {}),
    userAgent: `recovery-agent/${VERSION}`,
  });
}
