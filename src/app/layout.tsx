import type { Metadata } from "next";
import { Providers } from "~/components/providers";
import "~/styles/globals.css";

export const metadata: Metadata = {
  title: { default: "Jobwarden", template: "%s · Jobwarden" },
  description: "Job queue manager console",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <body className="min-h-screen antialiased">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
