"use client";
// Settings › Account: who you are signed in as, and changing your password.
import { useMutation } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { NewPasswordField } from "~/components/account-fields";
import { RoleBadge } from "~/components/badge";
import { Button } from "~/components/button";
import { errorCode, errorMessage, errorProblems, problemText } from "~/components/errors";
import { PasswordField, focusFirstInvalid } from "~/components/field";
import { FormSection } from "~/components/form-section";
import { Notice } from "~/components/notice";
import { useTRPC } from "~/components/trpc";
import { useMe } from "~/components/use-me";
import { useFormFields } from "~/components/use-form-fields";
import { confirmProblem, fieldErrors, passwordProblem } from "~/components/validate";

const NO_PASSWORDS = { current: "", next: "", confirm: "" };

/** The account tab. */
export function AccountTab() {
  const trpc = useTRPC();
  const { me } = useMe();
  const { values, errors, setErrors, bind, reset } = useFormFields(NO_PASSWORDS);
  const [done, setDone] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const focusInvalid = () => window.requestAnimationFrame(() => focusFirstInvalid(formRef.current));

  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        setDone(true);
        reset();
      },
      onError: (err) => {
        const code = errorCode(err);
        if (code === "BAD_REQUEST") {
          const p = errorProblems(err)[0];
          if (p?.path === "current") setErrors({ current: "The current password is wrong." });
          else setErrors({ next: p ? problemText(p) : errorMessage(err) });
        } else setErrors({ form: errorMessage(err) });
        focusInvalid();
      },
    }),
  );

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const { current, next, confirm } = values;
    const errs = fieldErrors({
      current: current ? undefined : "Enter your current password.",
      next: passwordProblem(next) ?? (next === current ? "Choose a password different from the current one." : undefined),
      confirm: confirmProblem(confirm, next, "new password"),
    });
    setErrors(errs);
    setDone(false);
    if (Object.keys(errs).length > 0) {
      focusInvalid();
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
          <PasswordField label="Current password" autoComplete="current-password" {...bind.text("current")} fieldClassName="sm:max-w-sm" />
          <NewPasswordField label="New password" {...bind.text("next")} fieldClassName="sm:max-w-sm" />
          <PasswordField label="Confirm new password" autoComplete="new-password" {...bind.text("confirm")} fieldClassName="sm:max-w-sm" />
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
