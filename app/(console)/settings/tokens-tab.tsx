"use client";
// Settings › API tokens (admins only): tokens for `maculaos --host URL --token T`, shown once when created.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { RoleBadge } from "~/components/badge";
import { Button } from "~/components/button";
import { ConfirmButton } from "~/components/confirm-button";
import { CopyButton } from "~/components/copy-button";
import { ACTIONS_COLUMN, DataTable, Td, TimeTd } from "~/components/data-table";
import { EmptyState } from "~/components/empty-state";
import { QueryError } from "~/components/error-state";
import { errorCode, errorMessage, errorProblems, problemText } from "~/components/errors";
import { SelectField, TextField, inputClass } from "~/components/field";
import { FormSection } from "~/components/form-section";
import { Notice } from "~/components/notice";
import { SkeletonText } from "~/components/skeleton";
import { useTRPC } from "~/components/trpc";
import { useNow } from "~/components/use-now";

type Role = "admin" | "viewer";
const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

function NewToken({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  const [origin, setOrigin] = useState("http://<node>:9090");
  useEffect(() => {
    setOrigin(window.location.origin);
    box.current?.focus();
  }, []);
  return (
    <div
      ref={box}
      tabIndex={-1}
      role="region"
      aria-label={`New token ${name}`}
      className="rounded-xl border border-emerald-300 bg-emerald-50 p-5 focus:outline-none dark:border-emerald-800 dark:bg-emerald-950/40"
    >
      <h3 className="text-base font-semibold text-emerald-900 dark:text-emerald-200">Token “{name}” created</h3>
      <p className="mt-1 text-sm text-emerald-900 dark:text-emerald-200">
        Copy it now. It is stored only as a hash and will not be shown again.
      </p>
      <div className="mt-3 flex flex-col gap-2 sm:flex-row">
        <label htmlFor="new-token" className="sr-only">
          API token
        </label>
        <input
          id="new-token"
          data-testid="new-token"
          readOnly
          value={token}
          onFocus={(e) => e.currentTarget.select()}
          className={`${inputClass} h-10 font-mono`}
        />
        <CopyButton text={token} className="h-10" />
      </div>
      <p className="mt-3 text-sm text-emerald-900 dark:text-emerald-200">Use it from another machine:</p>
      <pre className="mt-1 overflow-x-auto rounded-md bg-zinc-900 px-3 py-2 font-mono text-xs text-zinc-100">
        maculaos info --host {origin} --token {token}
      </pre>
      <Button variant="secondary" size="sm" className="mt-4" onClick={onDone}>
        Done, I have copied it
      </Button>
    </div>
  );
}

/** The API tokens tab. */
export function TokensTab() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const now = useNow();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [errors, setErrors] = useState<{ name?: string; form?: string }>({});
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);

  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: async (data, vars) => {
        setCreated({ name: vars.name, token: data.token });
        setName("");
        setRole("viewer");
        setErrors({});
        await queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
      },
      onError: (err) => {
        const code = errorCode(err);
        if (code === "CONFLICT") setErrors({ name: errorMessage(err) });
        else if (code === "BAD_REQUEST") {
          const p = errorProblems(err)[0];
          setErrors({ name: p ? problemText(p) : errorMessage(err) });
        } else setErrors({ form: errorMessage(err) });
        nameRef.current?.focus();
      },
    }),
  );

  const revoke = useMutation(
    trpc.tokens.revoke.mutationOptions({
      onSuccess: async () => {
        setRevokeError(null);
        await queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
      },
      onError: (err) => setRevokeError(errorMessage(err)),
    }),
  );

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (!NAME_RE.test(n)) {
      setErrors({ name: n ? "Use 1-64 letters, digits, '.', '_' or '-'." : "Name the token, e.g. laptop or ci." });
      nameRef.current?.focus();
      return;
    }
    create.mutate({ name: n, role });
  };

  return (
    <div className="space-y-6">
      {created && <NewToken name={created.name} token={created.token} onDone={() => setCreated(null)} />}

      <section aria-labelledby="tokens-heading" className="space-y-3">
        <h3 id="tokens-heading" className="text-base font-semibold">
          API tokens
        </h3>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Tokens let the <code className="font-mono">maculaos</code> CLI and scripts reach this node over the network. Revoke a token as soon as it is no longer needed.
        </p>
        {revokeError && (
          <Notice tone="danger" role="alert">
            {revokeError}
          </Notice>
        )}
        {tokens.isPending ? (
          <div aria-busy="true">
            <SkeletonText lines={3} />
          </div>
        ) : tokens.isError ? (
          <QueryError title="Could not load tokens" query={tokens} />
        ) : tokens.data.tokens.length === 0 ? (
          <EmptyState title="No API tokens" description="Create one below to use the CLI from another machine." />
        ) : (
          <DataTable caption="API tokens" data-testid="tokens-table" columns={["Name", "Role", "Created", "Last used", ACTIONS_COLUMN]}>
            {tokens.data.tokens.map((t) => (
              <tr key={t.id}>
                <Td className="font-mono font-medium">{t.name}</Td>
                <Td>
                  <RoleBadge role={t.role} />
                </Td>
                <TimeTd at={t.createdAt} now={now} />
                <TimeTd at={t.lastUsedAt} now={now} fallback="Never" />
                <Td className="text-right">
                  <ConfirmButton
                    label="Revoke"
                    aria-label={`Revoke ${t.name}`}
                    confirmLabel="Revoke"
                    question={`Revoke ${t.name}?`}
                    loading={revoke.isPending && revoke.variables?.id === t.id}
                    onConfirm={() => revoke.mutate({ id: t.id })}
                  />
                </Td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>

      <form noValidate onSubmit={onSubmit} aria-label="Create an API token">
        <FormSection title="Create a token" description="Give it a name that says where it is used. A viewer token can only read.">
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField
              ref={nameRef}
              label="Name"
              placeholder="laptop"
              value={name}
              onChange={(e) => {
                setName(e.target.value);
                setErrors({});
              }}
              error={errors.name}
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
            />
            <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value === "admin" ? "admin" : "viewer")}>
              <option value="viewer">Viewer (read-only)</option>
              <option value="admin">Admin (full control)</option>
            </SelectField>
          </div>
          {errors.form && (
            <Notice tone="danger" role="alert">
              {errors.form}
            </Notice>
          )}
          <Button type="submit" loading={create.isPending}>
            Create token
          </Button>
        </FormSection>
      </form>
    </div>
  );
}
