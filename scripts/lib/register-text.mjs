import { register } from "node:module";
register("./text-loader.mjs", import.meta.url);
