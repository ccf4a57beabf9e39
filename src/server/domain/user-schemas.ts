import { z } from "zod";

export const ZLoginSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._@-]{1,64}$/, "Login: 1 to 64 letters, digits, dots, dashes, underscores or @");
