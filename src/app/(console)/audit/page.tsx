import type { Metadata } from "next";
import { PageHeader } from "../_components/page-header";
import { requirePermission } from "../require-permission";
import { AuditFilters } from "./_components/audit-filters";
import { auditFiltersQuery, parseAuditFilters } from "./_components/audit-filters-params";
import { AuditTable } from "./_components/audit-table";

export const metadata: Metadata = { title: "Audit" };

type AuditPageProps = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AuditPage({ searchParams }: AuditPageProps) {
  await requirePermission("audit:read");
  const filters = parseAuditFilters(await searchParams);
  return (
    <>
      <PageHeader title="Audit" description="Who changed what, from where, and when: every change to the configuration, users and runs." />
      {/* Keyed by the filters: going back in history resets the form to the URL's values. */}
      <AuditFilters key={auditFiltersQuery(filters)} initial={filters} />
      <AuditTable filters={filters} />
    </>
  );
}
