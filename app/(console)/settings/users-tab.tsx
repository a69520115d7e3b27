"use client";
// Settings › Users (admins only): who can sign in, with which role; add and remove accounts.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { NewPasswordField, UsernameField } from "~/components/account-fields";
import { RoleBadge } from "~/components/badge";
import { Button } from "~/components/button";
import { ConfirmButton } from "~/components/confirm-button";
import { ACTIONS_COLUMN, DataTable, Td, TimeTd } from "~/components/data-table";
import { EmptyState } from "~/components/empty-state";
import { QueryError } from "~/components/error-state";
import { errorCode, errorMessage, errorProblems, problemText } from "~/components/errors";
import { SelectField, focusFirstInvalid } from "~/components/field";
import { FormSection } from "~/components/form-section";
import { Notice } from "~/components/notice";
import { SkeletonText } from "~/components/skeleton";
import { useTRPC } from "~/components/trpc";
import { useMe } from "~/components/use-me";
import { useNow } from "~/components/use-now";
import { useFormFields } from "~/components/use-form-fields";
import { fieldErrors, passwordProblem, usernameProblem, type FieldErrors } from "~/components/validate";

type Role = "admin" | "viewer";
const NO_USER = { username: "", password: "" };

function AddUserForm({ onAdded }: { onAdded: (msg: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { values: user, errors, setErrors, bind, reset } = useFormFields(NO_USER);
  const [role, setRole] = useState<Role>("viewer");
  const formRef = useRef<HTMLFormElement>(null);
  const focusInvalid = () => window.requestAnimationFrame(() => focusFirstInvalid(formRef.current));

  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: async (_d, vars) => {
        onAdded(`Added ${vars.username} as ${vars.role === "admin" ? "an admin" : "a viewer"}.`);
        reset();
        setRole("viewer");
        await queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
      },
      onError: (err) => {
        const code = errorCode(err);
        if (code === "CONFLICT") setErrors({ username: errorMessage(err) });
        else if (code === "BAD_REQUEST") {
          const e: FieldErrors = {};
          const problems = errorProblems(err);
          for (const p of problems) {
            if (/password/i.test(p.path) || /password/i.test(p.message)) e.password = problemText(p);
            else if (/username/i.test(p.path) || /username/i.test(p.message)) e.username = problemText(p);
            else e.form = problemText(p);
          }
          if (problems.length === 0) e.form = errorMessage(err);
          setErrors(e);
        } else setErrors({ form: errorMessage(err) });
        focusInvalid();
      },
    }),
  );

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const errs = fieldErrors({ username: usernameProblem(user.username.trim()), password: passwordProblem(user.password) });
    setErrors(errs);
    if (Object.keys(errs).length > 0) return focusInvalid();
    create.mutate({ username: user.username.trim(), password: user.password, role });
  };

  return (
    <form ref={formRef} noValidate onSubmit={onSubmit} aria-label="Add a user">
      <FormSection title="Add a user" description="Viewers can see everything but change nothing. Admins can do everything, including the terminal.">
        <div className="grid gap-4 sm:grid-cols-2">
          <UsernameField {...bind.text("username")} autoComplete="off" />
          <SelectField label="Role" hint="What this person may do." value={role} onChange={(e) => setRole(e.target.value === "admin" ? "admin" : "viewer")}>
            <option value="viewer">Viewer (read-only)</option>
            <option value="admin">Admin (full control)</option>
          </SelectField>
        </div>
        <NewPasswordField label="Initial password" advice="They can change it under Settings › Account." {...bind.text("password")} fieldClassName="sm:max-w-sm" />
        {errors.form && (
          <Notice tone="danger" role="alert">
            {errors.form}
          </Notice>
        )}
        <Button type="submit" loading={create.isPending}>
          Add user
        </Button>
      </FormSection>
    </form>
  );
}

/** The users tab. */
export function UsersTab() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { me } = useMe();
  const now = useNow();
  const users = useQuery(trpc.users.list.queryOptions());
  const [status, setStatus] = useState("");
  const [removeError, setRemoveError] = useState<string | null>(null);
  const remove = useMutation(
    trpc.users.remove.mutationOptions({
      onSuccess: async () => {
        setRemoveError(null);
        await queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
      },
      onError: (err) => setRemoveError(errorMessage(err)),
    }),
  );

  return (
    <div className="space-y-6">
      <section aria-labelledby="users-heading" className="space-y-3">
        <div className="flex items-center justify-between gap-3">
          <h3 id="users-heading" className="text-base font-semibold">
            People who can sign in
          </h3>
          <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
            {status}
          </p>
        </div>
        {removeError && (
          <Notice tone="danger" role="alert">
            {removeError}
          </Notice>
        )}
        {users.isPending ? (
          <div aria-busy="true">
            <SkeletonText lines={3} />
          </div>
        ) : users.isError ? (
          <QueryError title="Could not load users" query={users} />
        ) : users.data.users.length === 0 ? (
          <EmptyState title="No users yet" description="Add the first person below." />
        ) : (
          <DataTable caption="Users" data-testid="users-table" columns={["Username", "Role", "Added", ACTIONS_COLUMN]}>
            {users.data.users.map((u) => {
              const self = u.username === me?.username;
              return (
                <tr key={u.id}>
                  <Td className="font-mono font-medium">
                    {u.username}
                    {self && <span className="ml-2 font-sans text-xs text-zinc-500 dark:text-zinc-400">(you)</span>}
                  </Td>
                  <Td>
                    <RoleBadge role={u.role} />
                  </Td>
                  <TimeTd at={u.createdAt} now={now} />
                  <Td className="text-right">
                    <ConfirmButton
                      label="Remove"
                      aria-label={`Remove ${u.username}`}
                      confirmLabel="Remove"
                      question={`Remove ${u.username}?`}
                      disabled={self}
                      title={self ? "You cannot remove your own account" : undefined}
                      loading={remove.isPending && remove.variables?.id === u.id}
                      onConfirm={() => {
                        setStatus("");
                        remove.mutate({ id: u.id });
                      }}
                    />
                  </Td>
                </tr>
              );
            })}
          </DataTable>
        )}
      </section>

      <AddUserForm onAdded={setStatus} />
    </div>
  );
}
