"use client";

import { type FormEvent, useState } from "react";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { CircleAlert, Loader2 } from "lucide-react";
import { Alert, AlertDescription } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { FormControl, FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { safeCallbackPath } from "~/server/domain/callback-url";

/** next-auth's own codes, for the cases where no human-readable message came back. */
const GENERIC_ERRORS: Record<string, string> = {
  CredentialsSignin: "Invalid login or password",
  SessionRequired: "Sign in to continue",
};

export function LoginForm({ callbackUrl }: { callbackUrl: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    try {
      const res = await signIn("credentials", {
        login: String(form.get("login") ?? ""),
        password: String(form.get("password") ?? ""),
        redirect: false,
      });
      if (!res?.ok || res.error) {
        const message = res?.error ?? "Sign-in failed";
        setError(GENERIC_ERRORS[message] ?? message);
        setPending(false);
        return;
      }
      router.replace(safeCallbackPath(callbackUrl, window.location.origin));
      router.refresh();
    } catch {
      setError("The server could not be reached. Try again.");
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="grid gap-4" noValidate>
      {error ? (
        <Alert variant="destructive">
          <CircleAlert aria-hidden="true" />
          <AlertDescription>{error}</AlertDescription>
        </Alert>
      ) : null}
      <FormField id="login" label="Login">
        <FormControl>
          <Input name="login" autoComplete="username" autoCapitalize="none" spellCheck={false} required autoFocus />
        </FormControl>
      </FormField>
      <FormField id="password" label="Password">
        <FormControl>
          <Input name="password" type="password" autoComplete="current-password" required />
        </FormControl>
      </FormField>
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? <Loader2 className="animate-spin" aria-hidden="true" /> : null}
        Sign in
      </Button>
    </form>
  );
}
