"use client";

import { useState } from "react";
import { usePathname, useRouter } from "next/navigation";
import { Search, X } from "lucide-react";
import { Button } from "~/components/ui/button";
import { FormControl, FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { type AuditFilterKey, type AuditFilterValues, auditFiltersQuery } from "./audit-filters-params";

const OBJECT_TYPES = ["user", "role", "node", "queue", "qmapping", "jd", "job_instance", "prm", "security"];

const FIELDS: { key: AuditFilterKey; label: string; placeholder?: string; type?: string }[] = [
  { key: "login", label: "Who", placeholder: "login, or system" },
  { key: "action", label: "Action", placeholder: "user.create, or user." },
  { key: "objectType", label: "Object type", placeholder: "user, node, …" },
  { key: "objectId", label: "Object id", placeholder: "42" },
  { key: "from", label: "From", type: "datetime-local" },
  { key: "to", label: "To", type: "datetime-local" },
];

/** The filter bar: applying it writes the values to the URL, which the page reads back. */
export function AuditFilters({ initial }: { initial: AuditFilterValues }) {
  const router = useRouter();
  const pathname = usePathname();
  const [values, setValues] = useState(initial);
  const anyFilter = Object.values(initial).some((v) => v !== "");

  return (
    <form
      role="search"
      aria-label="Audit filters"
      className="bg-card grid gap-3 rounded-xl border p-4 sm:grid-cols-2 lg:grid-cols-6"
      onSubmit={(e) => {
        e.preventDefault();
        router.replace(`${pathname}${auditFiltersQuery(values)}`);
      }}
    >
      {FIELDS.map((f) => (
        <FormField key={f.key} label={f.label} className="gap-1.5">
          <FormControl>
            <Input
              name={f.key}
              type={f.type ?? "text"}
              placeholder={f.placeholder}
              list={f.key === "objectType" ? "audit-object-types" : undefined}
              autoComplete="off"
              maxLength={200}
              value={values[f.key]}
              onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
            />
          </FormControl>
        </FormField>
      ))}
      <datalist id="audit-object-types">
        {OBJECT_TYPES.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <div className="flex items-center gap-2 sm:col-span-2 lg:col-span-6">
        <Button type="submit" size="sm">
          <Search aria-hidden="true" /> Apply filters
        </Button>
        {anyFilter ? (
          <Button type="button" size="sm" variant="ghost" onClick={() => router.replace(pathname)}>
            <X aria-hidden="true" /> Clear
          </Button>
        ) : null}
        <span className="text-muted-foreground text-xs">The action matches by prefix: “user.” finds every user change.</span>
      </div>
    </form>
  );
}
