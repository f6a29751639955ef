/** @module backoff — growing retry delay for a failed message: base * 2^(attempt-1), capped. Pure. */
export function retryDelaySeconds(attempt: number, baseSeconds: number, maxSeconds: number): number {
  const exp = Math.max(0, attempt - 1);
  return Math.min(maxSeconds, Math.round(baseSeconds * 2 ** exp));
}
