import pkg from "../package.json" with { type: "json" };

export const JOBWARDEN_VERSION: string = pkg.version;
