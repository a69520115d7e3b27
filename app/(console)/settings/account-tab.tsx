"use client";
// Settings › Account: who you are signed in as, and changing your password.
import { useMutation } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { RoleBadge } from "~/components/badge";
import { Button } from "~/components/button";
import { errorCode, errorMessage, errorProblems, problemText } from "~/components/errors";
import { PasswordField } from "~/components/field";
import { FormSection } from "~/components/form-section";
import { Notice } from "~/components/notice";
import { useTRPC } from "~/components/trpc";
import { useMe } from "~/components/use-me";

const MIN_PASSWORD = 10;
type Errors = { current?: string; next?: string; confirm?: string; form?: string };

/** The account tab. */
export function AccountTab() {
  const trpc = useTRPC();
  const { me } = useMe();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [done, setDone] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const focusFirstInvalid = () =>
    window.requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());

  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        setDone(true);
        setCurrent("");
        setNext("");
        setConfirm("");
        setErrors({});
      },
      onError: (err) => {
        const code = errorCode(err);
        if (code === "BAD_REQUEST") {
          const p = errorProblems(err)[0];
          if (p?.path === "current") setErrors({ current: "The current password is wrong." });
          else setErrors({ next: p ? problemText(p) : errorMessage(err) });
        } else setErrors({ form: errorMessage(err) });
        focusFirstInvalid();
      },
    }),
  );

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const errs: Errors = {};
    if (!current) errs.current = "Enter your current password.";
    if (next.length < MIN_PASSWORD) errs.next = `Use at least ${MIN_PASSWORD} characters (${next.length} so far).`;
    else if (next === current) errs.next = "Choose a password different from the current one.";
    if (!confirm) errs.confirm = "Type the new password again.";
    else if (confirm !== next) errs.confirm = "The passwords do not match.";
    setErrors(errs);
    setDone(false);
    if (Object.keys(errs).length > 0) {
      focusFirstInvalid();
      return;
    }
    change.mutate({ current, next });
  };

  return (
    <div className="space-y-6">
      <FormSection title="Signed in as" description="Your account on this node.">
        {me ? (
          <p className="flex items-center gap-2 text-sm">
            <span className="font-mono font-medium">{me.username}</span>
            <RoleBadge role={me.role} />
          </p>
        ) : null}
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {me?.role === "admin" ? "Admins can change every setting, manage users and API tokens." : "Viewers can see everything but change nothing except their own password."}
        </p>
      </FormSection>

      <form ref={formRef} noValidate onSubmit={onSubmit} aria-label="Change password">
        <FormSection title="Change password" description="Other sessions of your account are signed out when the password changes.">
          <PasswordField
            label="Current password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => {
              setCurrent(e.target.value);
              setErrors((p) => ({ ...p, current: undefined }));
            }}
            error={errors.current}
            fieldClassName="sm:max-w-sm"
          />
          <PasswordField
            label="New password"
            hint={`At least ${MIN_PASSWORD} characters.`}
            autoComplete="new-password"
            value={next}
            onChange={(e) => {
              setNext(e.target.value);
              setErrors((p) => ({ ...p, next: undefined }));
            }}
            error={errors.next}
            fieldClassName="sm:max-w-sm"
          />
          <PasswordField
            label="Confirm new password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => {
              setConfirm(e.target.value);
              setErrors((p) => ({ ...p, confirm: undefined }));
            }}
            error={errors.confirm}
            fieldClassName="sm:max-w-sm"
          />
          {errors.form && (
            <Notice tone="danger" role="alert">
              {errors.form}
            </Notice>
          )}
          <div className="flex flex-wrap items-center gap-3">
            <Button type="submit" loading={change.isPending}>
              Change password
            </Button>
            <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
              {done ? "Password changed." : ""}
            </p>
          </div>
        </FormSection>
      </form>
    </div>
  );
}
