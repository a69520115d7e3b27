"use client";
// Form fields: a label, the control, a hint and an inline error wired together with ids and aria-describedby.
import { useEffect, useId, useRef, useState, type ChangeEvent, type ComponentProps, type ReactNode } from "react";
import { Button } from "./button";
import { cx } from "./cx";

/** Props a Field hands to its control so the label, hint and error are linked. */
export type ControlProps = {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
};

/** Shared look of text inputs, selects and textareas. */
export const inputClass =
  "block w-full rounded-md border border-zinc-300 bg-white px-3 text-sm text-zinc-900 shadow-sm placeholder:text-zinc-400 " +
  "focus:border-brand-500 read-only:bg-zinc-50 read-only:text-zinc-600 disabled:cursor-not-allowed disabled:bg-zinc-100 disabled:text-zinc-500 " +
  "aria-[invalid=true]:border-red-500 dark:border-zinc-700 dark:bg-zinc-950 dark:text-zinc-100 dark:placeholder:text-zinc-500 " +
  "dark:focus:border-brand-400 dark:read-only:bg-zinc-900 dark:read-only:text-zinc-400 dark:disabled:bg-zinc-900 dark:aria-[invalid=true]:border-red-400";

function describedBy(...ids: (string | false | undefined)[]): string | undefined {
  const s = ids.filter(Boolean).join(" ");
  return s || undefined;
}

/** The red inline message under a control. */
export function FieldError({ id, children }: { id?: string; children?: ReactNode }) {
  if (!children) return null;
  return (
    <p id={id} className="mt-1.5 flex items-start gap-1 text-sm text-red-700 dark:text-red-400">
      <svg aria-hidden="true" viewBox="0 0 20 20" className="mt-0.5 size-4 shrink-0" fill="currentColor">
        <path d="M10 2a8 8 0 1 0 0 16 8 8 0 0 0 0-16Zm-.75 4h1.5v5h-1.5V6Zm0 6.5h1.5V14h-1.5v-1.5Z" />
      </svg>
      <span>{children}</span>
    </p>
  );
}

const labelClass = "block text-sm font-medium text-zinc-800 dark:text-zinc-200";

/** "(optional)" after a field's label, when it is. */
function OptionalMark({ optional }: { optional: boolean }) {
  return optional ? <span className="ml-1.5 font-normal text-zinc-500 dark:text-zinc-400">(optional)</span> : null;
}

/** The grey explanation under a field's label, when there is one. */
function Hint({ id, children }: { id: string; children?: ReactNode }) {
  if (!children) return null;
  return (
    <p id={id} className="mt-0.5 text-sm text-zinc-600 dark:text-zinc-400">
      {children}
    </p>
  );
}

/** A labelled control with optional hint and error; `children` renders the control with the props it is given. */
export function Field({
  label,
  hint,
  error,
  optional = false,
  id,
  className,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  optional?: boolean;
  id?: string;
  className?: string;
  children: (control: ControlProps) => ReactNode;
}) {
  const autoId = useId();
  const controlId = id ?? autoId;
  const hintId = `${controlId}-hint`;
  const errorId = `${controlId}-error`;
  return (
    <div className={className}>
      <label htmlFor={controlId} className={labelClass}>
        {label}
        <OptionalMark optional={optional} />
      </label>
      <Hint id={hintId}>{hint}</Hint>
      <div className="mt-1.5">
        {children({
          id: controlId,
          "aria-describedby": describedBy(hint ? hintId : undefined, error ? errorId : undefined),
          ...(error ? { "aria-invalid": true as const } : {}),
        })}
      </div>
      <FieldError id={errorId}>{error}</FieldError>
    </div>
  );
}

type FieldOwnProps = { label: ReactNode; hint?: ReactNode; error?: string | undefined; optional?: boolean; fieldClassName?: string };

/** A labelled single-line text input. */
export function TextField({ label, hint, error, optional, fieldClassName, className, id, ...input }: FieldOwnProps & ComponentProps<"input">) {
  return (
    <Field label={label} hint={hint} error={error} optional={optional} id={id} className={fieldClassName}>
      {(control) => <input {...input} {...control} className={cx(inputClass, "h-10", className)} />}
    </Field>
  );
}

/** A labelled multi-line text input. */
export function TextAreaField({ label, hint, error, optional, fieldClassName, className, id, ...textarea }: FieldOwnProps & ComponentProps<"textarea">) {
  return (
    <Field label={label} hint={hint} error={error} optional={optional} id={id} className={fieldClassName}>
      {(control) => <textarea {...textarea} {...control} className={cx(inputClass, "py-2", className)} />}
    </Field>
  );
}

/** A labelled native select. */
export function SelectField({ label, hint, error, optional, fieldClassName, className, id, children, ...select }: FieldOwnProps & ComponentProps<"select">) {
  return (
    <Field label={label} hint={hint} error={error} optional={optional} id={id} className={fieldClassName}>
      {(control) => (
        <select {...select} {...control} className={cx(inputClass, "h-10 pr-8", className)}>
          {children}
        </select>
      )}
    </Field>
  );
}

/** A checkbox with its label and an optional description to the right. */
export function CheckboxField({
  label,
  description,
  error,
  className,
  id,
  ...input
}: { label: ReactNode; description?: ReactNode; error?: string | undefined } & Omit<ComponentProps<"input">, "type">) {
  const autoId = useId();
  const controlId = id ?? autoId;
  return (
    <div className={className}>
      <div className="flex items-start gap-3">
        <input
          {...input}
          id={controlId}
          type="checkbox"
          aria-describedby={describedBy(description ? `${controlId}-desc` : undefined, error ? `${controlId}-error` : undefined)}
          aria-invalid={error ? true : undefined}
          className="mt-0.5 size-4 shrink-0 rounded border-zinc-300 accent-brand-600 disabled:cursor-not-allowed dark:accent-brand-400"
        />
        <div>
          <label htmlFor={controlId} className="text-sm font-medium text-zinc-800 dark:text-zinc-200">
            {label}
          </label>
          {description && (
            <p id={`${controlId}-desc`} className="text-sm text-zinc-600 dark:text-zinc-400">
              {description}
            </p>
          )}
        </div>
      </div>
      <FieldError id={`${controlId}-error`}>{error}</FieldError>
    </div>
  );
}

/** A password input with a show/hide button. */
export function PasswordField({ label, hint, error, optional, fieldClassName, className, id, ...input }: FieldOwnProps & Omit<ComponentProps<"input">, "type">) {
  const [shown, setShown] = useState(false);
  return (
    <Field label={label} hint={hint} error={error} optional={optional} id={id} className={fieldClassName}>
      {(control) => (
        <div className="relative">
          <input {...input} {...control} type={shown ? "text" : "password"} className={cx(inputClass, "h-10 pr-16", className)} />
          <button
            type="button"
            onClick={() => setShown((s) => !s)}
            aria-pressed={shown}
            aria-controls={control.id}
            className="absolute inset-y-1 right-1 rounded px-2 text-xs font-medium text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800"
          >
            {shown ? "Hide" : "Show"}
            <span className="sr-only"> password</span>
          </button>
        </div>
      )}
    </Field>
  );
}

/** An editable list of strings: one input per entry, with add and remove buttons. */
export function ListField({
  label,
  hint,
  error,
  itemErrors = [],
  values,
  onChange,
  itemLabel,
  placeholder,
  addLabel = "Add",
  optional = false,
  readOnly = false,
  id,
  className,
  inputMode,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  itemErrors?: (string | undefined)[];
  values: string[];
  onChange: (values: string[]) => void;
  itemLabel: string;
  placeholder?: string;
  addLabel?: string;
  optional?: boolean;
  readOnly?: boolean;
  id?: string;
  className?: string;
  inputMode?: ComponentProps<"input">["inputMode"];
}) {
  const autoId = useId();
  const baseId = id ?? autoId;
  const inputs = useRef<(HTMLInputElement | null)[]>([]);
  const [focusIndex, setFocusIndex] = useState<number | null>(null);
  useEffect(() => {
    if (focusIndex === null) return;
    inputs.current[focusIndex]?.focus();
    setFocusIndex(null);
  }, [focusIndex]);

  const update = (i: number, value: string) => onChange(values.map((v, j) => (j === i ? value : v)));
  const remove = (i: number) => {
    onChange(values.filter((_, j) => j !== i));
    setFocusIndex(Math.max(0, Math.min(i, values.length - 2)));
  };
  const add = () => {
    onChange([...values, ""]);
    setFocusIndex(values.length);
  };
  const hintId = `${baseId}-hint`;
  const errorId = `${baseId}-error`;

  return (
    <fieldset id={baseId} className={className} aria-describedby={describedBy(hint ? hintId : undefined, error ? errorId : undefined)}>
      <legend className={labelClass}>
        {label}
        <OptionalMark optional={optional} />
      </legend>
      <Hint id={hintId}>{hint}</Hint>
      <ul className="mt-1.5 space-y-2">
        {values.map((value, i) => {
          const itemError = itemErrors[i];
          const itemId = `${baseId}-${i}`;
          return (
            <li key={i}>
              <div className="flex gap-2">
                <input
                  ref={(el) => {
                    inputs.current[i] = el;
                  }}
                  id={itemId}
                  value={value}
                  onChange={(e) => update(i, e.target.value)}
                  aria-label={`${itemLabel} ${i + 1}`}
                  aria-invalid={itemError || (error && !itemErrors.some(Boolean)) ? true : undefined}
                  aria-describedby={itemError ? `${itemId}-error` : undefined}
                  placeholder={placeholder}
                  readOnly={readOnly}
                  inputMode={inputMode}
                  autoComplete="off"
                  spellCheck={false}
                  className={cx(inputClass, "h-10 font-mono")}
                />
                {!readOnly && (
                  <Button variant="ghost" className="px-3" onClick={() => remove(i)} aria-label={`Remove ${itemLabel} ${i + 1}`}>
                    <svg aria-hidden="true" viewBox="0 0 20 20" className="size-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
                      <path d="m5 5 10 10M15 5 5 15" />
                    </svg>
                  </Button>
                )}
              </div>
              <FieldError id={`${itemId}-error`}>{itemError}</FieldError>
            </li>
          );
        })}
      </ul>
      {values.length === 0 && (
        <p className="mt-1.5 text-sm text-zinc-500 italic dark:text-zinc-400">None yet.</p>
      )}
      {!readOnly && (
        <Button variant="secondary" size="sm" className="mt-2" onClick={add}>
          <span aria-hidden="true">+</span> {addLabel}
        </Button>
      )}
      <FieldError id={errorId}>{error}</FieldError>
    </fieldset>
  );
}

/** One choice in a RadioCards group. */
export type RadioCardOption<T extends string> = { value: T; label: string; description: string };

/** A radio group drawn as selectable cards; arrow keys move between them as with native radios. */
export function RadioCards<T extends string>({
  legend,
  name,
  options,
  value,
  onChange,
  error,
  disabled = false,
  className,
  id,
  columns = 3,
}: {
  legend: ReactNode;
  name: string;
  options: RadioCardOption<T>[];
  value: T;
  onChange: (value: T) => void;
  error?: string | undefined;
  disabled?: boolean;
  className?: string;
  id?: string;
  columns?: 2 | 3;
}) {
  const autoId = useId();
  const baseId = id ?? autoId;
  return (
    <fieldset id={baseId} className={className} aria-describedby={error ? `${baseId}-error` : undefined}>
      <legend className={labelClass}>{legend}</legend>
      <div className={cx("mt-1.5 grid gap-3", columns === 2 ? "sm:grid-cols-2" : "sm:grid-cols-3")}>
        {options.map((o) => {
          const checked = o.value === value;
          return (
            <label
              key={o.value}
              className={cx(
                "relative flex cursor-pointer flex-col rounded-lg border p-4 shadow-sm transition-colors",
                "has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-brand-500",
                checked
                  ? "border-brand-600 bg-brand-50 ring-1 ring-brand-600 dark:border-brand-400 dark:bg-brand-500/10 dark:ring-brand-400"
                  : "border-zinc-300 bg-white hover:border-zinc-400 dark:border-zinc-700 dark:bg-zinc-950 dark:hover:border-zinc-500",
                disabled && "cursor-not-allowed opacity-70",
              )}
            >
              <input
                type="radio"
                name={name}
                value={o.value}
                checked={checked}
                disabled={disabled}
                onChange={() => onChange(o.value)}
                aria-describedby={`${baseId}-${o.value}-desc`}
                className="sr-only"
              />
              <span className="flex items-center justify-between text-sm font-semibold text-zinc-900 dark:text-zinc-100">
                {o.label}
                <span
                  aria-hidden="true"
                  className={cx(
                    "flex size-4 items-center justify-center rounded-full border",
                    checked ? "border-brand-600 bg-brand-600 dark:border-brand-400 dark:bg-brand-400" : "border-zinc-400 dark:border-zinc-600",
                  )}
                >
                  {checked && <span className="size-1.5 rounded-full bg-white dark:bg-zinc-950" />}
                </span>
              </span>
              <span id={`${baseId}-${o.value}-desc`} className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
                {o.description}
              </span>
            </label>
          );
        })}
      </div>
      <FieldError id={`${baseId}-error`}>{error}</FieldError>
    </fieldset>
  );
}

type KeysOf<S, V> = { [K in keyof S]-?: S[K] extends V ? K : never }[keyof S] & string;

/** Props that wire fields to keys of a form's state (value, a change handler calling `set`, inline errors, "key.index" for list entries); spread as `{...bind.text("realm")}`. */
export function bindFields<S extends object>(
  state: S,
  set: <K extends keyof S>(key: K, value: S[K]) => void,
  errors: Partial<Record<string, string>>,
  readOnly = false,
) {
  return {
    /** A TextField, PasswordField or TextAreaField on a string key. */
    text: <K extends KeysOf<S, string>>(key: K) => ({
      value: state[key] as string,
      onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => set(key, e.target.value as S[K]),
      error: errors[key],
      readOnly,
    }),
    /** A ListField on a string-list key. */
    list: <K extends KeysOf<S, string[]>>(key: K) => {
      const values = state[key] as string[];
      return {
        values,
        onChange: (next: string[]) => set(key, next as S[K]),
        error: errors[key],
        itemErrors: values.map((_, i) => errors[`${key}.${i}`]),
        readOnly,
      };
    },
    /** A CheckboxField on a boolean key. */
    checkbox: <K extends KeysOf<S, boolean>>(key: K) => ({
      checked: state[key] as boolean,
      onChange: (e: ChangeEvent<HTMLInputElement>) => set(key, e.target.checked as S[K]),
      error: errors[key],
      disabled: readOnly,
    }),
    /** RadioCards on a key that holds one of its options. */
    choice: <K extends KeysOf<S, string>>(key: K) => ({
      value: state[key],
      onChange: (value: S[K]) => set(key, value),
      error: errors[key],
      disabled: readOnly,
    }),
  };
}

/** Moves focus to the first control inside `container` that is marked invalid. */
export function focusFirstInvalid(container: HTMLElement | null): void {
  container?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}
