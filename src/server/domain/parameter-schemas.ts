/** A global parameter's key and value (JQM GLOBALPARAMETER), as the console form and the service check them. */
import { z } from "zod";

export const ZParameterKeySchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,50}$/, "Key: 1 to 50 letters, digits, dots, dashes or underscores");
export const ZParameterValueSchema = z.string().max(1000, "Value: at most 1000 characters");
