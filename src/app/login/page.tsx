import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Boxes } from "lucide-react";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { safeCallbackPath } from "~/server/domain/callback-url";
import { getCurrentPrincipal } from "~/server/auth/config";
import { LoginForm } from "./login-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

type LoginPageProps = { searchParams: Promise<{ callbackUrl?: string | string[] }> };

export default async function LoginPage({ searchParams }: LoginPageProps) {
  if (await getCurrentPrincipal()) redirect("/");
  const { callbackUrl } = await searchParams;

  return (
    <main className="bg-muted/40 flex min-h-screen items-center justify-center p-4">
      <Card className="w-full max-w-sm">
        <CardHeader className="items-center text-center">
          <div className="bg-primary text-primary-foreground mx-auto mb-2 flex size-10 items-center justify-center rounded-lg">
            <Boxes className="size-5" aria-hidden="true" />
          </div>
          <CardTitle>
            <h1 className="text-xl">Sign in to Jobwarden</h1>
          </CardTitle>
          <CardDescription>Use the login and password an administrator gave you.</CardDescription>
        </CardHeader>
        <CardContent>
          <LoginForm callbackUrl={safeCallbackPath(callbackUrl)} />
        </CardContent>
      </Card>
    </main>
  );
}
