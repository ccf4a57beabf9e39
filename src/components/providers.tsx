"use client";

import { ThemeProvider } from "next-themes";
import { Toaster } from "~/components/ui/sonner";
import { TooltipProvider } from "~/components/ui/tooltip";
import { TRPCReactProvider } from "~/trpc/react";

export function Providers({ children }: { children: React.ReactNode }) {
  return (
    <ThemeProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange>
      <TRPCReactProvider>
        <TooltipProvider>{children}</TooltipProvider>
        <Toaster richColors />
      </TRPCReactProvider>
    </ThemeProvider>
  );
}
