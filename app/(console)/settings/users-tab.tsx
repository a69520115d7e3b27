"use client";
// Settings › Users (admins only): who can sign in, with which role; add and remove accounts.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { RoleBadge } from "~/components/badge";
import { Button } from "~/components/button";
import { ConfirmButton } from "~/components/confirm-button";
import { DataTable, Td, Th } from "~/components/data-table";
import { EmptyState } from "~/components/empty-state";
import { ErrorState } from "~/components/error-state";
import { errorCode, errorMessage, errorProblems, problemText } from "~/components/errors";
import { PasswordField, SelectField, TextField } from "~/components/field";
import { FormSection } from "~/components/form-section";
import { formatDateTime, formatRelative } from "~/components/format";
import { Notice } from "~/components/notice";
import { SkeletonText } from "~/components/skeleton";
import { useTRPC } from "~/components/trpc";
import { useMe } from "~/components/use-me";
import { useNow } from "~/components/use-now";
import { usernameProblem } from "~/components/validate";

type Role = "admin" | "viewer";
type Errors = { username?: string; password?: string; form?: string };

function AddUserForm({ onAdded }: { onAdded: (msg: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [errors, setErrors] = useState<Errors>({});
  const formRef = useRef<HTMLFormElement>(null);
  const focusInvalid = () => window.requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());

  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: async (_d, vars) => {
        onAdded(`Added ${vars.username} as ${vars.role === "admin" ? "an admin" : "a viewer"}.`);
        setUsername("");
        setPassword("");
        setRole("viewer");
        setErrors({});
        await queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
      },
      onError: (err) => {
        const code = errorCode(err);
        if (code === "CONFLICT") setErrors({ username: errorMessage(err) });
        else if (code === "BAD_REQUEST") {
          const e: Errors = {};
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
    const errs: Errors = {};
    const u = usernameProblem(username.trim());
    if (u) errs.username = u;
    if (password.length < 10) errs.password = `Use at least 10 characters (${password.length} so far).`;
    setErrors(errs);
    if (Object.keys(errs).length > 0) return focusInvalid();
    create.mutate({ username: username.trim(), password, role });
  };

  return (
    <form ref={formRef} noValidate onSubmit={onSubmit} aria-label="Add a user">
      <FormSection title="Add a user" description="Viewers can see everything but change nothing. Admins can do everything, including the terminal.">
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            label="Username"
            hint="Lowercase letters, digits, '.', '_' or '-'."
            value={username}
            onChange={(e) => {
              setUsername(e.target.value);
              setErrors((p) => ({ ...p, username: undefined }));
            }}
            error={errors.username}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
          />
          <SelectField label="Role" hint="What this person may do." value={role} onChange={(e) => setRole(e.target.value === "admin" ? "admin" : "viewer")}>
            <option value="viewer">Viewer (read-only)</option>
            <option value="admin">Admin (full control)</option>
          </SelectField>
        </div>
        <PasswordField
          label="Initial password"
          hint="At least 10 characters. They can change it under Settings › Account."
          value={password}
          onChange={(e) => {
            setPassword(e.target.value);
            setErrors((p) => ({ ...p, password: undefined }));
          }}
          error={errors.password}
          autoComplete="new-password"
          fieldClassName="sm:max-w-sm"
        />
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
          <ErrorState title="Could not load users" error={users.error} onRetry={() => void users.refetch()} retrying={users.isFetching} />
        ) : users.data.users.length === 0 ? (
          <EmptyState title="No users yet" description="Add the first person below." />
        ) : (
          <DataTable
            caption="Users"
            data-testid="users-table"
            head={
              <tr>
                <Th>Username</Th>
                <Th>Role</Th>
                <Th>Added</Th>
                <Th className="text-right">
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            }
          >
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
                  <Td className="whitespace-nowrap text-zinc-600 dark:text-zinc-400">
                    <time dateTime={u.createdAt} title={formatDateTime(u.createdAt)}>
                      {formatRelative(u.createdAt, now)}
                    </time>
                  </Td>
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
