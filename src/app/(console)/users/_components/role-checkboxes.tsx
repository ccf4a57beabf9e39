"use client";

import { useQuery } from "@tanstack/react-query";
import { Checkbox } from "~/components/ui/checkbox";
import { FormControl, FormField } from "~/components/ui/form-field";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";

/** One checkbox per role (from role.find), labelled with the role's name. */
export function RoleCheckboxes({ value, onChange }: { value: string[]; onChange: (roles: string[]) => void }) {
  const trpc = useTRPC();
  const roles = useQuery(trpc.role.find.queryOptions());

  if (roles.isPending) {
    return (
      <div className="space-y-2">
        <Skeleton className="h-4 w-1/2" />
        <Skeleton className="h-4 w-2/3" />
        <Skeleton className="h-4 w-1/3" />
      </div>
    );
  }
  if (roles.isError) return <p className="text-destructive text-sm">Could not load the roles: {roles.error.message}</p>;

  return (
    <div className="grid max-h-72 gap-3 overflow-y-auto pr-1">
      {roles.data.map((role) => (
        <FormField key={role.id} inline label={role.name} description={role.description || undefined}>
          <FormControl>
            <Checkbox
              checked={value.includes(role.name)}
              onCheckedChange={(next) => onChange(next === true ? [...value, role.name] : value.filter((name) => name !== role.name))}
            />
          </FormControl>
        </FormField>
      ))}
    </div>
  );
}
