declare module "vitest" {
  export interface ProvidedContext {
    fakeUrl: string;
  }
}
export {};
