import Link from "next/link";
import { redirect } from "next/navigation";
import { Boxes, CircleUser } from "lucide-react";
import { getMinRefreshMs } from "~/server/api/poll-throttle";
import { getCurrentPrincipal } from "~/server/auth/config";
import { db } from "~/server/db";
import { type Permission, hasPermission } from "~/server/domain/permissions";
import { LiveRefreshProvider, LiveRefreshToggle } from "./_components/live-refresh";
import { type NavItem, NavLinks } from "./_components/nav-links";
import { SignOutButton } from "./_components/sign-out-button";
import { ThemeToggle } from "./_components/theme-toggle";

export const dynamic = "force-dynamic";

const NAV: (NavItem & { permission?: Permission })[] = [
  { href: "/", label: "Home", icon: "home" },
  { href: "/runs", label: "Runs", icon: "runs", permission: "job_instance:read" },
  { href: "/nodes", label: "Nodes", icon: "nodes", permission: "node:read" },
  { href: "/queues", label: "Queues", icon: "queues", permission: "queue:read" },
  { href: "/jobdefs", label: "Job definitions", icon: "jobdefs", permission: "jd:read" },
  { href: "/parameters", label: "Parameters", icon: "parameters", permission: "prm:read" },
  { href: "/users", label: "Users", icon: "users", permission: "user:read" },
  { href: "/roles", label: "Roles", icon: "roles", permission: "role:read" },
  { href: "/security", label: "Security", icon: "security", permission: "security:read" },
  { href: "/audit", label: "Audit", icon: "audit", permission: "audit:read" },
];

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const principal = await getCurrentPrincipal();
  if (!principal) redirect("/login");
  const items: NavItem[] = NAV.filter((i) => !i.permission || hasPermission(principal.permissions, i.permission)).map(
    ({ href, label, icon }) => ({ href, label, icon }),
  );

  const minRefreshMs = await getMinRefreshMs(db);

  return (
    <LiveRefreshProvider minMs={minRefreshMs}>
      <a
        href="#main"
        className="bg-background focus-visible:ring-ring sr-only z-50 rounded-md px-3 py-2 text-sm font-medium focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus-visible:ring-2"
      >
        Skip to content
      </a>
      <div className="flex min-h-screen flex-col md:flex-row">
        <aside className="bg-sidebar text-sidebar-foreground border-sidebar-border flex items-center gap-4 border-b px-3 md:sticky md:top-0 md:h-screen md:w-60 md:shrink-0 md:flex-col md:items-stretch md:gap-6 md:border-r md:border-b-0 md:px-3 md:py-4">
          <Link
            href="/"
            className="flex h-14 shrink-0 items-center gap-2 px-1 font-semibold tracking-tight md:h-auto md:px-3"
          >
            <span className="bg-primary text-primary-foreground flex size-7 items-center justify-center rounded-md">
              <Boxes className="size-4" aria-hidden="true" />
            </span>
            <span className="hidden sm:inline">Jobwarden</span>
          </Link>
          <NavLinks items={items} />
        </aside>
        <div className="flex min-w-0 flex-1 flex-col">
          <header className="bg-background/95 supports-[backdrop-filter]:bg-background/70 sticky top-0 z-10 flex h-14 items-center justify-end gap-2 border-b px-4 backdrop-blur md:px-8">
            <span className="text-muted-foreground mr-auto flex min-w-0 items-center gap-2 text-sm md:mr-2">
              <CircleUser className="size-4 shrink-0" aria-hidden="true" />
              <span className="truncate">
                Signed in as <span className="text-foreground font-medium">{principal.login}</span>
              </span>
            </span>
            <LiveRefreshToggle />
            <ThemeToggle />
            <SignOutButton />
          </header>
          <main id="main" tabIndex={-1} className="flex-1 px-4 py-6 outline-none md:px-8 md:py-8">
            <div className="mx-auto w-full max-w-6xl space-y-6">{children}</div>
          </main>
        </div>
      </div>
    </LiveRefreshProvider>
  );
}
