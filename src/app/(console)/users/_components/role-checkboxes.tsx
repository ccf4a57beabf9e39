"use client";

import { useId } from "react";
import { useQuery } from "@tanstack/react-query";
import { Checkbox } from "~/components/ui/checkbox";
import { Label } from "~/components/ui/label";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";

/** One checkbox per role (from role.find), labelled with the role's name. */
export function RoleCheckboxes({ value, onChange }: { value: string[]; onChange: (roles: string[]) => void }) {
  const trpc = useTRPC();
  const roles = useQuery(trpc.role.find.queryOptions());
  const idPrefix = useId();

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
      {roles.data.map((role, i) => {
        const id = `${idPrefix}-role-${i}`;
        const checked = value.includes(role.name);
        return (
          <div key={role.id} className="flex items-start gap-3">
            <Checkbox
              id={id}
              checked={checked}
              aria-describedby={role.description ? `${id}-desc` : undefined}
              onCheckedChange={(next) =>
                onChange(next === true ? [...value, role.name] : value.filter((name) => name !== role.name))
              }
              className="mt-0.5"
            />
            <div className="grid gap-1">
              <Label htmlFor={id}>{role.name}</Label>
              {role.description ? (
                <p id={`${id}-desc`} className="text-muted-foreground text-xs">
                  {role.description}
                </p>
              ) : null}
            </div>
          </div>
        );
      })}
    </div>
  );
}
