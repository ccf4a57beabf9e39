import type { Metadata } from "next";
import { headers } from "next/headers";
import { Providers } from "~/components/providers";
import "~/styles/globals.css";

export const metadata: Metadata = {
  title: { default: "Jobwarden", template: "%s · Jobwarden" },
  description: "Job queue manager console",
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    <html lang="en" suppressHydrationWarning>
      <body className="min-h-screen antialiased">
        <Providers nonce={nonce}>{children}</Providers>
      </body>
    </html>
  );
}
