"use client";

import { ThemeProvider } from "next-themes";
import { Toaster } from "~/components/ui/sonner";
import { TooltipProvider } from "~/components/ui/tooltip";
import { TRPCReactProvider } from "~/trpc/react";

/** `nonce`: the page's Content-Security-Policy nonce, for the theme script that runs before hydration. */
export function Providers({ nonce, children }: { nonce?: string; children: React.ReactNode }) {
  return (
    <ThemeProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange nonce={nonce}>
      <TRPCReactProvider>
        <TooltipProvider>{children}</TooltipProvider>
        <Toaster richColors />
      </TRPCReactProvider>
    </ThemeProvider>
  );
}
