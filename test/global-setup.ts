import type { TestProject } from "vitest/node";
import { startFakeServer } from "./fakes/server.ts";

export default async function setup(project: TestProject) {
  const fake = await startFakeServer(0);
  project.provide("fakeUrl", fake.url);
  return async () => {
    await fake.close();
  };
}
