"use client";

import { type FormEvent, useId, useState } from "react";
import { ChevronDown, Filter, X } from "lucide-react";
import { Button } from "~/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuCheckboxItem,
  DropdownMenuContent,
  DropdownMenuTrigger,
} from "~/components/ui/dropdown-menu";
import { FormControl, FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import type { JobState } from "~/generated/sqlite/enums";
import { EMPTY_FILTERS, type RunFilters, type RunsTab, STATES_BY_TAB } from "./search-params";

type TextKey = Exclude<keyof RunFilters, "state">;

const FIELDS: { key: TextKey; label: string; placeholder?: string; type?: string; historyOnly?: boolean }[] = [
  { key: "id", label: "Run id", placeholder: "e.g. 42", type: "number" },
  { key: "app", label: "Application", placeholder: "name or Demo%" },
  { key: "queue", label: "Queue" },
  { key: "node", label: "Node" },
  { key: "user", label: "User" },
  { key: "session", label: "Session id" },
  { key: "parent", label: "Parent run id", type: "number" },
  { key: "keyword", label: "Keyword", placeholder: "any of the 3 keywords" },
  { key: "enqAfter", label: "Enqueued after", type: "datetime-local" },
  { key: "enqBefore", label: "Enqueued before", type: "datetime-local" },
  { key: "endAfter", label: "Ended after", type: "datetime-local", historyOnly: true },
  { key: "endBefore", label: "Ended before", type: "datetime-local", historyOnly: true },
];

/**
 * The filters of the runs list. Edited locally, applied to the URL on submit (the page reads them
 * from there). Text filters are exact; `%` is a wildcard.
 */
export function FilterBar({
  tab,
  initial,
  applicationNames,
  onApply,
}: {
  tab: RunsTab;
  initial: RunFilters;
  applicationNames: string[];
  onApply: (filters: RunFilters) => void;
}) {
  const id = useId();
  const [filters, setFilters] = useState<RunFilters>(initial);
  const states = STATES_BY_TAB[tab];

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onApply(filters);
  }

  function toggleState(state: JobState, checked: boolean) {
    setFilters((f) => ({ ...f, state: checked ? [...f.state, state] : f.state.filter((s) => s !== state) }));
  }

  const shownStates = filters.state.filter((s) => states.includes(s));

  return (
    <form onSubmit={submit} aria-label="Filter runs" className="bg-card space-y-3 rounded-md border p-3">
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        {FIELDS.filter((f) => !f.historyOnly || tab === "history").map((field) => (
          <FormField key={field.key} label={field.label} labelClassName="text-xs" className="gap-1">
            <FormControl>
              <Input
                type={field.type ?? "text"}
                min={field.type === "number" ? 1 : undefined}
                placeholder={field.placeholder}
                list={field.key === "app" ? `${id}-apps` : undefined}
                value={filters[field.key]}
                maxLength={200}
                autoComplete="off"
                className="h-8"
                onChange={(e) => setFilters((f) => ({ ...f, [field.key]: e.target.value }))}
              />
            </FormControl>
          </FormField>
        ))}
        <div className="grid gap-1">
          <span className="text-xs leading-none font-medium">State</span>
          <DropdownMenu>
            <DropdownMenuTrigger asChild>
              <Button type="button" variant="outline" size="sm" className="justify-between font-normal" aria-label="State filter">
                <span className="truncate">{shownStates.length > 0 ? shownStates.join(", ") : "Any"}</span>
                <ChevronDown aria-hidden="true" />
              </Button>
            </DropdownMenuTrigger>
            <DropdownMenuContent align="start">
              {states.map((s) => (
                <DropdownMenuCheckboxItem
                  key={s}
                  checked={filters.state.includes(s)}
                  onCheckedChange={(checked) => toggleState(s, checked === true)}
                  onSelect={(e) => e.preventDefault()}
                >
                  {s}
                </DropdownMenuCheckboxItem>
              ))}
            </DropdownMenuContent>
          </DropdownMenu>
        </div>
      </div>
      <datalist id={`${id}-apps`}>
        {applicationNames.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <div className="flex gap-2">
        <Button type="submit" size="sm">
          <Filter aria-hidden="true" />
          Apply filters
        </Button>
        <Button
          type="button"
          size="sm"
          variant="ghost"
          onClick={() => {
            setFilters(EMPTY_FILTERS);
            onApply(EMPTY_FILTERS);
          }}
        >
          <X aria-hidden="true" />
          Clear
        </Button>
      </div>
    </form>
  );
}
