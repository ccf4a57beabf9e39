import { useState } from "react";
import type { z } from "zod";

/** What a form shows after a failed check: one message under each field, and one for the form itself. */
export type FormErrors<F extends string> = { fields: Partial<Record<F, string>>; form: string | null };

type Issue = { readonly path: readonly PropertyKey[]; readonly message: string };

const NO_ERRORS: FormErrors<never> = { fields: {}, form: null };

/**
 * Spreads zod issues over a form's fields: each field gets the first message whose path names it
 * (right after `prefix`, e.g. `["changes"]` for `{ id, changes: {…} }`); the others, with their path,
 * become the form's message.
 */
export function spreadIssues<F extends string>(issues: readonly Issue[], fields: readonly F[], prefix: readonly string[] = []): FormErrors<F> {
  const result: FormErrors<F> = { fields: {}, form: null };
  const rest: string[] = [];
  for (const issue of issues) {
    const key = prefix.every((p, i) => String(issue.path[i]) === p) ? issue.path[prefix.length] : undefined;
    if (typeof key === "string" && (fields as readonly string[]).includes(key)) result.fields[key as F] ??= issue.message;
    else rest.push(issue.path.length ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message);
  }
  result.form = rest.length ? [...new Set(rest)].join("\n") : null;
  return result;
}

/**
 * The zod issues a tRPC error carries (the server's errorFormatter sends `data.zodError`, z.flattenError's
 * shape keyed by the issue's dotted path), or null when the input was not what was refused.
 */
export function serverIssues(error: unknown): Issue[] | null {
  const zodError = (error as { data?: { zodError?: { formErrors?: string[]; fieldErrors?: Record<string, string[] | undefined> } | null } } | null)?.data
    ?.zodError;
  if (!zodError) return null;
  return [
    ...(zodError.formErrors ?? []).map((message) => ({ path: [], message })),
    ...Object.entries(zodError.fieldErrors ?? {}).flatMap(([key, messages]) => (messages ?? []).map((message) => ({ path: key.split("."), message }))),
  ];
}

/** The form's errors for a failed request: the server's zod issues under their fields, any other failure as the form's message. */
export function formErrorsOf<F extends string>(error: unknown, fields: readonly F[], prefix: readonly string[] = []): FormErrors<F> {
  const issues = serverIssues(error);
  if (issues) return spreadIssues(issues, fields, prefix);
  return { fields: {}, form: error instanceof Error ? error.message : String(error) };
}

/** A whole number typed in a text field: null when empty, NaN when not a whole number (the schema then says what it wants). */
export function parseWhole(text: string): number | null {
  const t = text.trim();
  if (t === "") return null;
  return /^[-+]?\d{1,15}$/.test(t) ? Number(t) : Number.NaN;
}

/**
 * A form's errors, from the client-side check with the service's schema (`check`) or from the server
 * (`showServerError`). `prefix` is where the form's fields sit in the request (`["changes"]` for
 * `{ id, changes }`). With `onFormError`, the form's own message goes there (a toast) instead of `errors.form`.
 */
export function useFormErrors<F extends string>(
  fields: readonly F[],
  { prefix = [], onFormError }: { prefix?: readonly string[]; onFormError?: (message: string) => void } = {},
) {
  const [errors, setErrors] = useState<FormErrors<F>>(NO_ERRORS);

  function show(next: FormErrors<F>) {
    if (onFormError && next.form) {
      onFormError(next.form);
      setErrors({ fields: next.fields, form: null });
    } else {
      setErrors(next);
    }
  }

  return {
    errors,
    clear: () => setErrors(NO_ERRORS),
    /** Shows a message of the form's own (a check the schema cannot make). */
    showFormError: (message: string) => show({ fields: {}, form: message }),
    showServerError: (error: unknown) => show(formErrorsOf(error, fields, prefix)),
    /** The schema's output, or null once its errors are shown. */
    check<S extends z.ZodType>(schema: S, value: z.input<S>): z.output<S> | null {
      const parsed = schema.safeParse(value);
      if (parsed.success) {
        setErrors(NO_ERRORS);
        return parsed.data;
      }
      show(spreadIssues(parsed.error.issues, fields));
      return null;
    },
  };
}

export type FormErrorsState<F extends string> = ReturnType<typeof useFormErrors<F>>;
