"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { FileCode, History, KeyRound, LayoutDashboard, ListOrdered, ScrollText, Server, ShieldCheck, SlidersHorizontal, Users } from "lucide-react";
import { cn } from "~/lib/utils";

const ICONS = { home: LayoutDashboard, runs: History, nodes: Server, queues: ListOrdered, jobdefs: FileCode, parameters: SlidersHorizontal, users: Users, roles: KeyRound, security: ShieldCheck, audit: ScrollText } as const;

export type NavItem = { href: string; label: string; icon: keyof typeof ICONS };

function isActive(pathname: string, href: string) {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}

/** The main navigation: a row in the top bar on small screens, a column in the sidebar from md up. */
export function NavLinks({ items }: { items: NavItem[] }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="flex min-w-0 gap-1 overflow-x-auto md:flex-col md:overflow-visible">
      {items.map((item) => {
        const Icon = ICONS[item.icon];
        const active = isActive(pathname, item.href);
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={active ? "page" : undefined}
            className={cn(
              "text-sidebar-foreground/75 hover:bg-sidebar-accent hover:text-sidebar-accent-foreground focus-visible:ring-sidebar-ring flex shrink-0 items-center gap-2 rounded-md px-3 py-2 text-sm font-medium outline-none focus-visible:ring-2",
              active && "bg-sidebar-accent text-sidebar-accent-foreground",
            )}
          >
            <Icon className="hidden size-4 sm:block" aria-hidden="true" />
            {item.label}
          </Link>
        );
      })}
    </nav>
  );
}
