"use client";
// First-boot setup wizard: eight steps from the setup code to a configured node and a signed-in admin.
import { RestoreFromBackup } from "./restore-panel";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { NewPasswordField, UsernameField } from "~/components/account-fields";
import { AuthFrame } from "~/components/auth-frame";
import { Button } from "~/components/button";
import { cx } from "~/components/cx";
import { errorCode, errorMessage, errorProblems } from "~/components/errors";
import { ListField, PasswordField, RadioCards, TextAreaField, TextField, bindFields, type RadioCardOption } from "~/components/field";
import { Icon } from "~/components/icons";
import { AdvertiseField, BootstrapNodesField, HostnameField, NtpServersField, RealmField } from "~/components/node-fields";
import { Notice } from "~/components/notice";
import { ProgressBar } from "~/components/progress-bar";
import { useTRPC } from "~/components/trpc";
import { withoutErrorsOf, type MeshRole } from "~/components/validate";
import {
  INITIAL_STATE,
  STEPS,
  errorsFromProblems,
  errorsOfStep,
  stepOfField,
  toPayload,
  validateStep,
  type Errors,
  type WizardState,
} from "./wizard-model";

const ROLE_OPTIONS: RadioCardOption<MeshRole>[] = [
  { value: "peer", label: "Peer", description: "Joins the mesh through bootstrap nodes and runs services. The usual choice." },
  { value: "gateway", label: "Gateway", description: "Relays traffic for peers behind NAT (STUN/TURN)." },
  { value: "bootstrap", label: "Bootstrap", description: "A DHT seed that other nodes use to find the mesh. Needs a public address." },
];

const MODE_OPTIONS: RadioCardOption<"dhcp" | "static">[] = [
  { value: "dhcp", label: "DHCP", description: "Get an address automatically from the network's DHCP server." },
  { value: "static", label: "Static", description: "Set the address, gateway and DNS servers yourself." },
];

const DESCRIPTIONS: Record<(typeof STEPS)[number]["id"], ReactNode> = {
  code: "The setup code proves you have access to this node, so nobody else on the network can claim it.",
  admin: "This account can change everything on the node. You can add more people later in Settings.",
  hostname: "How this node is named on your network and in the dashboard.",
  network: "How this node connects to your network.",
  mesh: "How this node takes part in the Macula mesh.",
  ssh: "Public keys allowed to sign in over SSH. You can add them later too.",
  ntp: "Time servers keep the clock right; the mesh needs accurate time for TLS.",
  review: "Check the settings, then finish. The node applies them and signs you in.",
};

/** Input props of the static IPv4 fields. */
const IPV4_INPUT = { inputMode: "decimal", spellCheck: false, className: "font-mono" } as const;

/** A list for the review, or "none". */
const listed = (values: string[]) => (values.length ? values.join(", ") : "none");

function Summary({ title, onEdit, children }: { title: string; onEdit: () => void; children: ReactNode }) {
  return (
    <div className="flex items-start justify-between gap-4 py-4 first:pt-0">
      <div className="min-w-0">
        <h3 className="text-sm font-medium text-zinc-900 dark:text-zinc-100">{title}</h3>
        <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">{children}</dl>
      </div>
      <Button variant="ghost" size="sm" onClick={onEdit} aria-label={`Edit ${title.toLowerCase()}`}>
        Edit
      </Button>
    </div>
  );
}

function Row({ label, children, mono = false }: { label: string; children: ReactNode; mono?: boolean }) {
  return (
    <>
      <dt className="text-zinc-600 dark:text-zinc-400">{label}</dt>
      <dd className={cx("min-w-0 break-words text-zinc-900 dark:text-zinc-100", mono && "font-mono")}>{children}</dd>
    </>
  );
}

function keyLabel(line: string): string {
  const tokens = line.split(/\s+/);
  const comment = tokens.slice(2).join(" ");
  return `${tokens[0] ?? ""} ${comment || `${(tokens[1] ?? "").slice(0, 12)}…`}`;
}

/** The setup wizard page. */
export default function SetupPage() {
  const trpc = useTRPC();
  const status = useQuery(trpc.setup.status.queryOptions(undefined, { retry: false }));

  const [state, setState] = useState<WizardState>(INITIAL_STATE);
  const [step, setStep] = useState(0);
  const [furthest, setFurthest] = useState(0);
  const [errors, setErrors] = useState<Errors>({});
  const [codeOk, setCodeOk] = useState(false);
  const [serverNotice, setServerNotice] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const headingRef = useRef<HTMLHeadingElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const focusTarget = useRef<"first" | "invalid" | null>(null);

  const current = STEPS[step] ?? STEPS[0];

  // Move focus after a step change (first field) or a failed attempt (first invalid field).
  useEffect(() => {
    const target = focusTarget.current;
    if (!target) return;
    focusTarget.current = null;
    const form = formRef.current;
    const selector =
      target === "invalid"
        ? '[aria-invalid="true"]'
        : 'input:not([type="hidden"]):not([type="radio"]):not([disabled]), textarea, select, input[type="radio"]:checked';
    const el = form?.querySelector<HTMLElement>(selector);
    (el ?? headingRef.current)?.focus();
  });

  const goTo = (index: number) => {
    const bounded = Math.max(0, Math.min(STEPS.length - 1, index));
    setStep(bounded);
    setFurthest((f) => Math.max(f, bounded));
    const s = STEPS[bounded];
    if (s) setAnnouncement(`Step ${bounded + 1} of ${STEPS.length}: ${s.title}`);
    focusTarget.current = "first";
  };

  const showErrors = (e: Errors, atStep: number) => {
    setErrors((prev) => {
      const kept: Errors = {};
      for (const [k, v] of Object.entries(prev)) if (stepOfField(k) !== atStep) kept[k] = v;
      return { ...kept, ...e };
    });
    focusTarget.current = "invalid";
  };

  const update = <K extends keyof WizardState>(key: K, value: WizardState[K]) => {
    setState((s) => ({ ...s, [key]: value }));
    setErrors((prev) => withoutErrorsOf(prev, key));
    if (key === "code") {
      setCodeOk(false);
      setFurthest(0);
    }
  };

  const checkCode = useMutation(
    trpc.setup.checkCode.mutationOptions({
      meta: { skipAuthRedirect: true },
      onSuccess: () => {
        setCodeOk(true);
        goTo(1);
      },
      onError: (err) => {
        const code = errorCode(err);
        const message =
          code === "FORBIDDEN" ? errorMessage(err) || "That setup code is not right." : errorMessage(err);
        showErrors({ code: message }, 0);
      },
    }),
  );

  const complete = useMutation(
    trpc.setup.complete.mutationOptions({
      meta: { skipAuthRedirect: true },
      onSuccess: () => window.location.assign("/"),
      onError: (err) => {
        const code = errorCode(err);
        if (code === "FORBIDDEN") {
          setCodeOk(false);
          setServerNotice("The node did not accept the setup code. Enter it again.");
          showErrors({ code: errorMessage(err) }, 0);
          setStep(0);
          return;
        }
        if (code === "BAD_REQUEST") {
          const mapped = errorsFromProblems(errorProblems(err), state);
          if (Object.keys(mapped).length === 0) mapped.form = errorMessage(err);
          const first = Math.min(...Object.keys(mapped).map(stepOfField));
          setErrors(mapped);
          setServerNotice(
            first < STEPS.length - 1 ? "The node did not accept some settings. Fix the highlighted fields, then finish again." : null,
          );
          setStep(first);
          focusTarget.current = "invalid";
          const s = STEPS[first];
          if (s) setAnnouncement(`Step ${first + 1} of ${STEPS.length}: ${s.title} has problems`);
          return;
        }
        const message =
          code === "CONFLICT" || code === "PRECONDITION_FAILED"
            ? `${errorMessage(err)} If this node is already set up, sign in instead.`
            : errorMessage(err);
        showErrors({ form: message }, STEPS.length - 1);
      },
    }),
  );

  const submitting = complete.isPending || complete.isSuccess;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (submitting) return;
    const e2 = validateStep(current.id, state);
    showErrors(e2, step);
    if (Object.keys(e2).length > 0) return;
    focusTarget.current = null;
    if (current.id === "code" && !codeOk) {
      checkCode.mutate({ code: state.code.trim() });
      return;
    }
    if (current.id === "review") {
      // Re-check every step before sending (a field may have been edited since).
      for (let i = 0; i < STEPS.length - 1; i++) {
        const s = STEPS[i];
        if (!s) continue;
        const problems = validateStep(s.id, state);
        if (Object.keys(problems).length > 0) {
          setStep(i);
          showErrors(problems, i);
          return;
        }
      }
      setServerNotice(null);
      setErrors({});
      complete.mutate(toPayload(state));
      return;
    }
    if (serverNotice && Object.keys(errorsOfStep(errors, step)).length === 0) setServerNotice(null);
    goTo(step + 1);
  };

  const jump = (index: number) => {
    if (index > furthest || index === step) return;
    for (let i = Math.min(step, index); i < index; i++) {
      const s = STEPS[i];
      if (!s) continue;
      const problems = validateStep(s.id, state);
      if (Object.keys(problems).length > 0 || (s.id === "code" && !codeOk)) {
        setStep(i);
        showErrors(problems, i);
        return;
      }
      showErrors({}, i);
    }
    focusTarget.current = null;
    goTo(index);
  };

  const bind = bindFields(state, update, errors);
  const stepHasErrors = (i: number) => Object.keys(errorsOfStep(errors, i)).length > 0;
  const alreadyDone = status.data?.pending === false;

  let body: ReactNode;
  switch (current.id) {
    case "code":
      body = (
        <>
          <TextField
            label="Setup code"
            hint={
              <>
                It is printed on the node&apos;s console and by <code className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-xs dark:bg-zinc-800">maculaos setup-code</code> (run as root on the node).
              </>
            }
            {...bind.text("code")}
            placeholder="XXXX-XXXX"
            autoComplete="one-time-code"
            autoCapitalize="characters"
            spellCheck={false}
            autoFocus
            fieldClassName="sm:max-w-sm"
            className="font-mono text-base tracking-widest"
          />
          {codeOk && (
            <p className="flex items-center gap-1.5 text-sm text-emerald-700 dark:text-emerald-400">
              <Icon name="check" className="size-4" /> Code accepted.
            </p>
          )}
          {codeOk && <RestoreFromBackup code={state.code.trim()} />}
        </>
      );
      break;
    case "admin":
      body = (
        <>
          <UsernameField {...bind.text("username")} autoComplete="username" />
          <NewPasswordField label="Password" advice="A short sentence is easy to remember and hard to guess." {...bind.text("password")} />
          <PasswordField label="Confirm password" {...bind.text("confirm")} autoComplete="new-password" />
        </>
      );
      break;
    case "hostname":
      body = <HostnameField hint="Letters, digits and hyphens, e.g. edge-node-01." placeholder="edge-node-01" {...bind.text("hostname")} />;
      break;
    case "network":
      body = (
        <>
          <TextField
            label="Interface"
            hint="The network device to configure, usually eth0."
            {...bind.text("iface")}
            autoCapitalize="none"
            spellCheck={false}
            className="font-mono sm:max-w-xs"
          />
          <RadioCards legend="Addressing" name="mode" columns={2} options={MODE_OPTIONS} {...bind.choice("mode")} />
          {state.mode === "static" && (
            <div className="space-y-5 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800">
              <TextField label="Address" hint="IPv4 address with prefix length (CIDR)." placeholder="192.168.1.100/24" {...bind.text("address")} {...IPV4_INPUT} />
              <TextField label="Gateway" hint="The router's IPv4 address on this network." placeholder="192.168.1.1" {...bind.text("gateway")} {...IPV4_INPUT} />
              <ListField
                label="DNS servers"
                optional
                hint="Needed to resolve names such as bootstrap.macula.io."
                itemLabel="DNS server"
                addLabel="Add DNS server"
                placeholder="1.1.1.1"
                inputMode="decimal"
                {...bind.list("dns")}
              />
            </div>
          )}
        </>
      );
      break;
    case "mesh":
      body = (
        <>
          <RadioCards legend="Role" name="role" options={ROLE_OPTIONS} {...bind.choice("role")} />
          <RealmField hint="The reverse-domain name your nodes share, e.g. io.mycompany." placeholder="io.mycompany" {...bind.text("realm")} />
          <BootstrapNodesField
            optional={state.role === "bootstrap"}
            hint={state.role === "bootstrap" ? "Other seeds this node should know about, as host:port." : "Nodes to join the mesh through, as host:port."}
            {...bind.list("bootstrapNodes")}
          />
          {state.role !== "bootstrap" && state.bootstrapNodes.every((n) => !n.trim()) && (
            <Notice tone="warning">Without a bootstrap node, this {state.role} cannot find the mesh.</Notice>
          )}
          {state.role === "bootstrap" && <AdvertiseField {...bind.text("advertise")} />}
        </>
      );
      break;
    case "ssh":
      body = (
        <TextAreaField
          label="Authorized keys"
          optional
          hint="One public key per line, e.g. ssh-ed25519 AAAA… you@laptop. Lines starting with # are ignored."
          {...bind.text("sshKeys")}
          rows={6}
          spellCheck={false}
          autoCapitalize="none"
          wrap="off"
          className="font-mono text-xs"
        />
      );
      break;
    case "ntp":
      body = <NtpServersField hint="Host names or IP addresses." {...bind.list("ntp")} />;
      break;
    case "review": {
      const p = toPayload(state);
      const stepIndex = (id: string) => STEPS.findIndex((s) => s.id === id);
      body = (
        <>
          {errors.form && (
            <Notice tone="danger" role="alert" title="Setup could not finish">
              <p className="whitespace-pre-line">{errors.form}</p>
            </Notice>
          )}
          <div className="divide-y divide-zinc-200 dark:divide-zinc-800">
            <Summary title="Admin account" onEdit={() => goTo(stepIndex("admin"))}>
              <Row label="Username" mono>{p.admin.username}</Row>
              <Row label="Password">{"•".repeat(Math.min(p.admin.password.length, 16))}</Row>
            </Summary>
            <Summary title="Hostname" onEdit={() => goTo(stepIndex("hostname"))}>
              <Row label="Hostname" mono>{p.hostname}</Row>
            </Summary>
            <Summary title="Network" onEdit={() => goTo(stepIndex("network"))}>
              <Row label="Interface" mono>{p.network.interface}</Row>
              <Row label="Addressing">{p.network.mode === "dhcp" ? "DHCP" : "Static"}</Row>
              {p.network.mode === "static" && (
                <>
                  <Row label="Address" mono>{p.network.address}</Row>
                  <Row label="Gateway" mono>{p.network.gateway ?? "none"}</Row>
                  <Row label="DNS" mono>{listed(p.network.dns)}</Row>
                </>
              )}
            </Summary>
            <Summary title="Mesh" onEdit={() => goTo(stepIndex("mesh"))}>
              <Row label="Role">{ROLE_OPTIONS.find((o) => o.value === p.mesh.role)?.label}</Row>
              <Row label="Realm" mono>{p.mesh.realm}</Row>
              <Row label="Bootstrap nodes" mono>{listed(p.mesh.bootstrap_nodes)}</Row>
              {p.mesh.advertise_address !== undefined && <Row label="Advertise" mono>{p.mesh.advertise_address}</Row>}
            </Summary>
            <Summary title="SSH keys" onEdit={() => goTo(stepIndex("ssh"))}>
              <Row label="Keys">
                {p.ssh_authorized_keys.length === 0 ? (
                  "none (SSH sign-in disabled until you add one)"
                ) : (
                  <ul className="font-mono text-xs">
                    {p.ssh_authorized_keys.map((k, i) => (
                      <li key={i} className="truncate">{keyLabel(k)}</li>
                    ))}
                  </ul>
                )}
              </Row>
            </Summary>
            <Summary title="NTP servers" onEdit={() => goTo(stepIndex("ntp"))}>
              <Row label="Servers" mono>{listed(p.ntp_servers)}</Row>
            </Summary>
          </div>
        </>
      );
      break;
    }
  }

  const isLast = current.id === "review";
  const stepErrors = stepHasErrors(step);

  return (
    <AuthFrame wide>
      <div className="mb-6 sm:mb-8">
        <h1 className="text-2xl font-semibold tracking-tight">Set up this node</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">A few questions, then the node joins your mesh and signs you in.</p>
      </div>

      {alreadyDone && (
        <Notice tone="info" className="mb-6" title="This node is already set up">
          <a href="/login" className="font-medium underline">Sign in</a> to manage it.
        </Notice>
      )}

      <p className="sr-only" aria-live="polite">{announcement}</p>

      <div className="grid gap-6 lg:grid-cols-[15rem_1fr] lg:gap-10">
        <nav aria-label="Setup steps">
          <div className="lg:hidden">
            <p className="mb-2 text-sm font-medium text-zinc-700 dark:text-zinc-300">
              Step {step + 1} of {STEPS.length}: {current.title}
            </p>
          </div>
          <ProgressBar
            tone="brand"
            value={step + 1}
            max={STEPS.length}
            label="Setup progress"
            valueText={`Step ${step + 1} of ${STEPS.length}: ${current.title}`}
            className="lg:mb-5"
          />
          <ol className="mt-4 hidden space-y-1 lg:block">
            {STEPS.map((s, i) => {
              const done = i < furthest && i !== step && (s.id !== "code" || codeOk);
              const reachable = i <= furthest;
              const active = i === step;
              const bad = stepHasErrors(i);
              return (
                <li key={s.id}>
                  <button
                    type="button"
                    onClick={() => jump(i)}
                    disabled={!reachable}
                    aria-current={active ? "step" : undefined}
                    className={cx(
                      "flex w-full items-center gap-3 rounded-md px-2 py-1.5 text-left text-sm transition-colors disabled:cursor-default",
                      active
                        ? "bg-brand-50 font-medium text-brand-800 dark:bg-brand-500/10 dark:text-brand-200"
                        : reachable
                          ? "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
                          : "text-zinc-400 dark:text-zinc-600",
                    )}
                  >
                    <span
                      aria-hidden="true"
                      className={cx(
                        "flex size-6 shrink-0 items-center justify-center rounded-full border text-xs font-semibold",
                        bad
                          ? "border-red-500 bg-red-50 text-red-700 dark:bg-red-950 dark:text-red-300"
                          : active
                            ? "border-brand-600 bg-brand-600 text-white dark:border-brand-400 dark:bg-brand-400 dark:text-zinc-950"
                            : done
                              ? "border-brand-600 text-brand-700 dark:border-brand-400 dark:text-brand-300"
                              : "border-zinc-300 dark:border-zinc-700",
                      )}
                    >
                      {bad ? "!" : done ? <Icon name="check" className="size-3.5" /> : i + 1}
                    </span>
                    <span>{s.title}</span>
                    <span className="sr-only">
                      {bad ? " (has problems)" : done ? " (completed)" : !reachable ? " (not yet available)" : ""}
                    </span>
                  </button>
                </li>
              );
            })}
          </ol>
        </nav>

        <section className="rounded-xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
          <form ref={formRef} noValidate onSubmit={onSubmit} className="flex flex-col">
            <div className="space-y-5 p-5 sm:p-8">
              <div>
                <p className="text-xs font-medium tracking-wide text-brand-700 uppercase dark:text-brand-400">
                  Step {step + 1} of {STEPS.length}
                </p>
                <h2 id="step-heading" ref={headingRef} tabIndex={-1} className="mt-1 text-lg font-semibold focus:outline-none">
                  {current.title}
                </h2>
                <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{DESCRIPTIONS[current.id]}</p>
              </div>
              {serverNotice && stepErrors && !isLast && (
                <Notice tone="danger" role="alert">
                  {serverNotice}
                </Notice>
              )}
              {body}
            </div>
            <div className="flex items-center justify-between gap-3 border-t border-zinc-200 px-5 py-4 sm:px-8 dark:border-zinc-800">
              <Button variant="secondary" onClick={() => goTo(step - 1)} disabled={step === 0 || submitting}>
                Back
              </Button>
              <Button type="submit" loading={checkCode.isPending || submitting} disabled={alreadyDone}>
                {isLast ? (submitting ? "Finishing setup…" : "Finish setup") : current.id === "code" && !codeOk ? (checkCode.isPending ? "Checking…" : "Continue") : "Continue"}
              </Button>
            </div>
          </form>
        </section>
      </div>
    </AuthFrame>
  );
}
