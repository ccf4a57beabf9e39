"use client";

import * as React from "react";
import { Slot as SlotPrimitive } from "radix-ui";

import { Label } from "~/components/ui/label";
import { cn } from "~/lib/utils";

type FieldIds = { controlId: string; describedBy: string | undefined; invalid: boolean };

const FormFieldContext = React.createContext<FieldIds | null>(null);

/**
 * A labelled form field: the label, the control (inside `FormControl`), a description and the field's
 * error. `inline` puts a checkbox or switch before its label. The control gets the label's `id`,
 * `aria-describedby` (description and error) and `aria-invalid`; the error is announced (`role="alert"`).
 */
function FormField({
  id,
  label,
  labelExtra,
  labelClassName,
  description,
  error,
  inline = false,
  className,
  children,
}: {
  /** The control's id; generated when omitted. */
  id?: string;
  label: React.ReactNode;
  /** Shown next to the label, outside it (a badge, a hint icon). */
  labelExtra?: React.ReactNode;
  labelClassName?: string;
  description?: React.ReactNode;
  error?: string | null;
  inline?: boolean;
  className?: string;
  children: React.ReactNode;
}) {
  const generated = React.useId();
  const controlId = id ?? generated;
  const descriptionId = description ? `${controlId}-description` : undefined;
  const errorId = error ? `${controlId}-error` : undefined;
  const ids = React.useMemo(
    () => ({ controlId, describedBy: [descriptionId, errorId].filter(Boolean).join(" ") || undefined, invalid: !!error }),
    [controlId, descriptionId, errorId, error],
  );
  const labelElement = (
    <Label htmlFor={controlId} className={labelClassName}>
      {label}
    </Label>
  );
  const labelRow = labelExtra ? (
    <div className="flex flex-wrap items-center gap-2">
      {labelElement}
      {labelExtra}
    </div>
  ) : (
    labelElement
  );
  const messages = (
    <>
      {description ? (
        <p id={descriptionId} data-slot="form-description" className="text-muted-foreground text-xs">
          {description}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} data-slot="form-error" role="alert" className="text-destructive text-xs">
          {error}
        </p>
      ) : null}
    </>
  );

  return (
    <FormFieldContext.Provider value={ids}>
      {inline ? (
        <div data-slot="form-field" data-invalid={error ? true : undefined} className={cn("flex min-w-0 items-start gap-3", className)}>
          {children}
          <div className="grid min-w-0 gap-1.5 pt-0.5">
            {labelRow}
            {messages}
          </div>
        </div>
      ) : (
        <div data-slot="form-field" data-invalid={error ? true : undefined} className={cn("grid min-w-0 content-start gap-2", className)}>
          {labelRow}
          {children}
          {messages}
        </div>
      )}
    </FormFieldContext.Provider>
  );
}

/** The field's control (an input, a select's trigger, a switch…): wires it to the label, description and error. */
function FormControl(props: React.ComponentProps<typeof SlotPrimitive.Slot>) {
  const field = React.useContext(FormFieldContext);
  if (!field) throw new Error("FormControl must be inside a FormField");
  return (
    <SlotPrimitive.Slot
      data-slot="form-control"
      id={field.controlId}
      aria-describedby={field.describedBy}
      aria-invalid={field.invalid || undefined}
      {...props}
    />
  );
}

/** A form's own message (what no single field is to blame for), announced when it appears. */
function FormError({ className, children }: { className?: string; children: React.ReactNode }) {
  if (!children) return null;
  return (
    <p role="alert" data-slot="form-error" className={cn("text-destructive text-sm whitespace-pre-wrap", className)}>
      {children}
    </p>
  );
}

export { FormControl, FormError, FormField };
