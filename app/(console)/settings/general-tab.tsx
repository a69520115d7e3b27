"use client";
// Settings › General: the keys people change most, saved together and atomically with config.set.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Button } from "~/components/button";
import { errorCode, errorMessage, errorProblems, problemText, stripConfigRoot, type Problem } from "~/components/errors";
import { CheckboxField, ListField, RadioCards, TextField, type RadioCardOption } from "~/components/field";
import { FormSection } from "~/components/form-section";
import { ErrorState } from "~/components/error-state";
import { Notice } from "~/components/notice";
import { SkeletonText } from "~/components/skeleton";
import { useTRPC, type RouterOutputs } from "~/components/trpc";
import { cleanList, hostnameProblem, isHostOrIP, isHostPort, isRealm, isTimeOfDay, listProblems } from "~/components/validate";

type Config = RouterOutputs["config"]["get"]["config"];
type Role = "peer" | "gateway" | "bootstrap";

type Form = {
  hostname: string;
  role: Role;
  realm: string;
  bootstrapNodes: string[];
  advertise: string;
  ntp: string[];
  automatic: boolean;
  schedule: string;
  autoReboot: boolean;
};

type Errors = Record<string, string>;

const ROLE_OPTIONS: RadioCardOption<Role>[] = [
  { value: "peer", label: "Peer", description: "Joins through bootstrap nodes and runs services." },
  { value: "gateway", label: "Gateway", description: "Relays traffic for peers behind NAT." },
  { value: "bootstrap", label: "Bootstrap", description: "A DHT seed; needs a public address." },
];

function fromConfig(c: Config): Form {
  return {
    hostname: c.hostname,
    role: c.mesh.role,
    realm: c.mesh.realm,
    bootstrapNodes: [...c.mesh.bootstrap_nodes],
    advertise: c.mesh.advertise_address ?? "",
    ntp: [...c.ntp.servers],
    automatic: c.updates.automatic,
    schedule: c.updates.schedule,
    autoReboot: c.updates.auto_reboot,
  };
}

/** The form as it will be stored: trimmed strings, no blank list entries. */
function normalize(f: Form): Form {
  return { ...f, hostname: f.hostname.trim(), realm: f.realm.trim(), advertise: f.advertise.trim(), bootstrapNodes: cleanList(f.bootstrapNodes), ntp: cleanList(f.ntp) };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The config.set entries that turn `base` into `form` (only what changed). */
function changedEntries(base: Form, form: Form): { key: string; value: unknown }[] {
  const out: { key: string; value: unknown }[] = [];
  const put = (key: string, a: unknown, b: unknown) => {
    if (!same(a, b)) out.push({ key, value: b });
  };
  put("hostname", base.hostname, form.hostname.trim());
  put("mesh.role", base.role, form.role);
  put("mesh.realm", base.realm, form.realm.trim());
  put("mesh.bootstrap_nodes", base.bootstrapNodes, cleanList(form.bootstrapNodes));
  if (form.advertise.trim()) put("mesh.advertise_address", base.advertise, form.advertise.trim());
  put("ntp.servers", base.ntp, cleanList(form.ntp));
  put("updates.automatic", base.automatic, form.automatic);
  put("updates.schedule", base.schedule, form.schedule);
  put("updates.auto_reboot", base.autoReboot, form.autoReboot);
  return out;
}

function validate(f: Form): Errors {
  const e: Errors = {};
  const host = hostnameProblem(f.hostname.trim());
  if (host) e.hostname = host;
  if (!f.realm.trim()) e.realm = "Enter the mesh realm, e.g. io.mycompany.";
  else if (!isRealm(f.realm.trim())) e.realm = "Use lowercase reverse-DNS form with at least two parts, e.g. io.mycompany.";
  listProblems(f.bootstrapNodes, isHostPort, "Use host:port, e.g. bootstrap.macula.io:4433.").forEach((p, i) => {
    if (p) e[`bootstrapNodes.${i}`] = p;
  });
  if (f.role === "bootstrap") {
    if (!f.advertise.trim()) e.advertise = "A bootstrap node needs the public host:port other nodes reach it on.";
    else if (!isHostPort(f.advertise.trim())) e.advertise = "Use host:port, e.g. 203.0.113.10:4433.";
  } else if (f.advertise.trim() && !isHostPort(f.advertise.trim())) e.advertise = "Use host:port, e.g. 203.0.113.10:4433.";
  listProblems(f.ntp, isHostOrIP, "Enter a host name or IP address, e.g. pool.ntp.org.").forEach((p, i) => {
    if (p) e[`ntp.${i}`] = p;
  });
  if (!isTimeOfDay(f.schedule)) e.schedule = "Use a 24-hour time such as 04:00.";
  return e;
}

function rawIndex(values: string[], n: number): number {
  let seen = -1;
  for (let i = 0; i < values.length; i++) {
    if ((values[i] ?? "").trim() !== "") seen++;
    if (seen === n) return i;
  }
  return n;
}

function fieldOf(path: string, f: Form): string | undefined {
  const p = stripConfigRoot(path);
  const idx = (re: RegExp) => re.exec(p)?.[1];
  if (p.startsWith("hostname")) return "hostname";
  if (p.startsWith("mesh.role")) return "role";
  if (p.startsWith("mesh.realm")) return "realm";
  if (p.startsWith("mesh.advertise_address")) return "advertise";
  if (p.startsWith("mesh.bootstrap_nodes")) {
    const i = idx(/^mesh\.bootstrap_nodes\.(\d+)/);
    return i === undefined ? "bootstrapNodes" : `bootstrapNodes.${rawIndex(f.bootstrapNodes, Number(i))}`;
  }
  if (p.startsWith("ntp.servers")) {
    const i = idx(/^ntp\.servers\.(\d+)/);
    return i === undefined ? "ntp" : `ntp.${rawIndex(f.ntp, Number(i))}`;
  }
  if (p.startsWith("updates.automatic")) return "automatic";
  if (p.startsWith("updates.schedule")) return "schedule";
  if (p.startsWith("updates.auto_reboot")) return "autoReboot";
  return undefined;
}

/** The General settings form. */
export function GeneralTab({ readOnly }: { readOnly: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const config = useQuery(trpc.config.get.queryOptions());
  const [base, setBase] = useState<Form | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [formProblems, setFormProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const focusInvalid = useRef(false);

  const dirty = base !== null && form !== null && changedEntries(base, form).length > 0;

  // Take the server's values when they arrive or change, unless the person has unsaved edits.
  useEffect(() => {
    if (!config.data) return;
    const next = fromConfig(config.data.config);
    if (!dirty && (base === null || !same(base, next))) {
      setBase(next);
      setForm(next);
    }
  }, [config.data]);

  useEffect(() => {
    if (!focusInvalid.current) return;
    focusInvalid.current = false;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  });

  const save = useMutation(
    trpc.config.set.mutationOptions({
      onSuccess: async () => {
        setSaved(true);
        if (form) {
          const clean = normalize(form);
          setBase(clean);
          setForm(clean);
        }
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.config.get.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.system.info.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.events.list.queryKey() }),
        ]);
      },
      onError: (err) => {
        if (!form) return;
        const problems: Problem[] = errorProblems(err);
        const mapped: Errors = {};
        const rest: string[] = [];
        for (const p of problems) {
          const key = fieldOf(p.path, form);
          if (key) mapped[key] = mapped[key] ? `${mapped[key]} ${problemText(p)}` : problemText(p);
          else rest.push(p.path ? `${p.path}: ${problemText(p)}` : problemText(p));
        }
        if (problems.length === 0) rest.push(errorCode(err) === "FORBIDDEN" ? "Only admins can change settings." : errorMessage(err));
        setErrors(mapped);
        setFormProblems(rest);
        focusInvalid.current = true;
      },
    }),
  );

  if (config.isPending) {
    return (
      <div aria-busy="true" className="space-y-4">
        <SkeletonText lines={4} />
        <SkeletonText lines={6} />
      </div>
    );
  }
  if (config.isError) {
    return <ErrorState title="Could not load the configuration" error={config.error} onRetry={() => void config.refetch()} retrying={config.isFetching} />;
  }
  if (!form || !base) return null;

  const set = <K extends keyof Form>(key: K, value: Form[K]) => {
    setForm((f) => (f ? { ...f, [key]: value } : f));
    setSaved(false);
    setErrors((prev) => {
      const next: Errors = {};
      for (const [k, v] of Object.entries(prev)) if (k !== key && !k.startsWith(`${key}.`)) next[k] = v;
      return next;
    });
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (readOnly) return;
    const problems = validate(form);
    setErrors(problems);
    setFormProblems([]);
    if (Object.keys(problems).length > 0) {
      focusInvalid.current = true;
      return;
    }
    const entries = changedEntries(base, form);
    if (entries.length === 0) return;
    save.mutate({ entries });
  };

  const discard = () => {
    setForm(base);
    setErrors({});
    setFormProblems([]);
  };

  const items = (key: string, n: number) => Array.from({ length: n }, (_, i) => errors[`${key}.${i}`]);

  return (
    <form ref={formRef} noValidate onSubmit={onSubmit} className="space-y-6" aria-label="General settings">
      {config.data.problem && (
        <Notice tone="warning" title="The config file on disk has a problem">
          {config.data.problem} The last good configuration stays in force.
        </Notice>
      )}

      <FormSection title="Node" description="The name this node uses on the network and in the dashboard.">
        <TextField
          label="Hostname"
          value={form.hostname}
          onChange={(e) => set("hostname", e.target.value)}
          error={errors.hostname}
          readOnly={readOnly}
          autoCapitalize="none"
          spellCheck={false}
          className="font-mono sm:max-w-sm"
        />
      </FormSection>

      <FormSection title="Mesh" description="How this node takes part in the Macula mesh.">
        <RadioCards legend="Role" name="settings-role" options={ROLE_OPTIONS} value={form.role} onChange={(v) => set("role", v)} error={errors.role} disabled={readOnly} />
        <TextField
          label="Realm"
          hint="Reverse-domain name shared by your nodes."
          value={form.realm}
          onChange={(e) => set("realm", e.target.value)}
          error={errors.realm}
          readOnly={readOnly}
          autoCapitalize="none"
          spellCheck={false}
          className="font-mono sm:max-w-sm"
        />
        <ListField
          label="Bootstrap nodes"
          hint="host:port of nodes to join the mesh through."
          itemLabel="Bootstrap node"
          addLabel="Add bootstrap node"
          placeholder="bootstrap.macula.io:4433"
          values={form.bootstrapNodes}
          onChange={(v) => set("bootstrapNodes", v)}
          error={errors.bootstrapNodes}
          itemErrors={items("bootstrapNodes", form.bootstrapNodes.length)}
          readOnly={readOnly}
        />
        {(form.role === "bootstrap" || form.advertise) && (
          <TextField
            label="Advertise address"
            optional={form.role !== "bootstrap"}
            hint="Public host:port other nodes use to reach this one."
            placeholder="203.0.113.10:4433"
            value={form.advertise}
            onChange={(e) => set("advertise", e.target.value)}
            error={errors.advertise}
            readOnly={readOnly}
            autoCapitalize="none"
            spellCheck={false}
            className="font-mono sm:max-w-sm"
          />
        )}
      </FormSection>

      <FormSection title="Time" description="NTP servers keep the clock right; the mesh needs accurate time for TLS.">
        <ListField
          label="NTP servers"
          itemLabel="NTP server"
          addLabel="Add NTP server"
          placeholder="pool.ntp.org"
          values={form.ntp}
          onChange={(v) => set("ntp", v)}
          error={errors.ntp}
          itemErrors={items("ntp", form.ntp.length)}
          readOnly={readOnly}
        />
      </FormSection>

      <FormSection title="Updates" description="Download and stage new releases in the standby slot on a schedule.">
        <CheckboxField
          label="Automatic updates"
          description="Check for and install updates daily at the time below."
          checked={form.automatic}
          onChange={(e) => set("automatic", e.target.checked)}
          error={errors.automatic}
          disabled={readOnly}
        />
        <TextField
          type="time"
          label="Schedule"
          hint="Time of day on the node."
          step={60}
          value={form.schedule}
          onChange={(e) => set("schedule", e.target.value)}
          error={errors.schedule}
          readOnly={readOnly}
          className="sm:max-w-40"
        />
        <CheckboxField
          label="Reboot automatically"
          description="Restart into the new slot after an update; it rolls back by itself if the boot fails."
          checked={form.autoReboot}
          onChange={(e) => set("autoReboot", e.target.checked)}
          error={errors.autoReboot}
          disabled={readOnly}
        />
      </FormSection>

      {formProblems.length > 0 && (
        <Notice tone="danger" role="alert" title="The settings were not saved">
          <ul className="list-disc pl-5">
            {formProblems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        </Notice>
      )}

      {!readOnly && (
        <div
          className={`${dirty ? "sticky bottom-0 border-t bg-zinc-50/90 backdrop-blur sm:border dark:bg-zinc-950/90" : ""} -mx-4 flex flex-wrap items-center justify-end gap-3 border-zinc-200 px-4 py-3 sm:mx-0 sm:rounded-xl dark:border-zinc-800`}
        >
          <p role="status" className="mr-auto text-sm text-zinc-600 dark:text-zinc-400">
            {saved && !dirty ? "Settings saved." : dirty ? "You have unsaved changes." : ""}
          </p>
          <Button variant="secondary" onClick={discard} disabled={!dirty || save.isPending}>
            Discard
          </Button>
          <Button type="submit" loading={save.isPending} disabled={!dirty}>
            Save changes
          </Button>
        </div>
      )}
    </form>
  );
}
