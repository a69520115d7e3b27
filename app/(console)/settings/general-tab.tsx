"use client";
// Settings › General: the keys people change most, saved together and atomically with config.set.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Button } from "~/components/button";
import { errorCode, errorMessage, errorProblems, problemsByField, stripConfigRoot } from "~/components/errors";
import { CheckboxField, RadioCards, TextField, bindFields, focusFirstInvalid, type RadioCardOption } from "~/components/field";
import { FormSection } from "~/components/form-section";
import { QueryError } from "~/components/error-state";
import { Notice } from "~/components/notice";
import { AdvertiseField, BootstrapNodesField, HostnameField, NtpServersField, RealmField } from "~/components/node-fields";
import { SkeletonText } from "~/components/skeleton";
import { useTRPC, type RouterOutputs } from "~/components/trpc";
import {
  cleanList,
  fieldErrors,
  hostnameProblem,
  isTimeOfDay,
  listField,
  meshErrors,
  ntpErrors,
  withoutErrorsOf,
  type FieldErrors,
  type MeshRole,
} from "~/components/validate";
import { useConfigChanged } from "./use-config-changed";

type Config = RouterOutputs["config"]["get"]["config"];
type Form = {
  hostname: string;
  role: MeshRole;
  realm: string;
  bootstrapNodes: string[];
  advertise: string;
  ntp: string[];
  automatic: boolean;
  schedule: string;
  autoReboot: boolean;
};

const ROLE_OPTIONS: RadioCardOption<MeshRole>[] = [
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

function validate(f: Form): FieldErrors {
  return {
    ...fieldErrors({ hostname: hostnameProblem(f.hostname.trim()) }),
    ...meshErrors(f),
    ...ntpErrors(f.ntp),
    ...fieldErrors({ schedule: isTimeOfDay(f.schedule) ? undefined : "Use a 24-hour time such as 04:00." }),
  };
}

function fieldOf(path: string, f: Form): string | undefined {
  const p = stripConfigRoot(path);
  if (p.startsWith("hostname")) return "hostname";
  if (p.startsWith("mesh.role")) return "role";
  if (p.startsWith("mesh.realm")) return "realm";
  if (p.startsWith("mesh.advertise_address")) return "advertise";
  if (p.startsWith("mesh.bootstrap_nodes")) return listField("bootstrapNodes", f.bootstrapNodes, p, /^mesh\.bootstrap_nodes\.(\d+)/);
  if (p.startsWith("ntp.servers")) return listField("ntp", f.ntp, p, /^ntp\.servers\.(\d+)/);
  if (p.startsWith("updates.automatic")) return "automatic";
  if (p.startsWith("updates.schedule")) return "schedule";
  if (p.startsWith("updates.auto_reboot")) return "autoReboot";
  return undefined;
}

/** The General settings form. */
export function GeneralTab({ readOnly }: { readOnly: boolean }) {
  const trpc = useTRPC();
  const configChanged = useConfigChanged();
  const config = useQuery(trpc.config.get.queryOptions());
  const [base, setBase] = useState<Form | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
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
    focusFirstInvalid(formRef.current);
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
        await configChanged();
      },
      onError: (err) => {
        if (!form) return;
        const problems = errorProblems(err);
        const { errors: mapped, rest } = problemsByField(problems, (p) => fieldOf(p.path, form));
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
    return <QueryError title="Could not load the configuration" query={config} />;
  }
  if (!form || !base) return null;

  const set = <K extends keyof Form>(key: K, value: Form[K]) => {
    setForm((f) => (f ? { ...f, [key]: value } : f));
    setSaved(false);
    setErrors((prev) => withoutErrorsOf(prev, key));
  };
  const bind = bindFields(form, set, errors, readOnly);

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

  return (
    <form ref={formRef} noValidate onSubmit={onSubmit} className="space-y-6" aria-label="General settings">
      {config.data.problem && (
        <Notice tone="warning" title="The config file on disk has a problem">
          {config.data.problem} The last good configuration stays in force.
        </Notice>
      )}

      <FormSection title="Node" description="The name this node uses on the network and in the dashboard.">
        <HostnameField {...bind.text("hostname")} className="sm:max-w-sm" />
      </FormSection>

      <FormSection title="Mesh" description="How this node takes part in the Macula mesh.">
        <RadioCards legend="Role" name="settings-role" options={ROLE_OPTIONS} {...bind.choice("role")} />
        <RealmField hint="Reverse-domain name shared by your nodes." {...bind.text("realm")} className="sm:max-w-sm" />
        <BootstrapNodesField hint="host:port of nodes to join the mesh through." {...bind.list("bootstrapNodes")} />
        {(form.role === "bootstrap" || form.advertise) && (
          <AdvertiseField optional={form.role !== "bootstrap"} {...bind.text("advertise")} className="sm:max-w-sm" />
        )}
      </FormSection>

      <FormSection title="Time" description="NTP servers keep the clock right; the mesh needs accurate time for TLS.">
        <NtpServersField {...bind.list("ntp")} />
      </FormSection>

      <FormSection title="Updates" description="Download and stage new releases in the standby slot on a schedule.">
        <CheckboxField label="Automatic updates" description="Check for and install updates daily at the time below." {...bind.checkbox("automatic")} />
        <TextField type="time" label="Schedule" hint="Time of day on the node." step={60} {...bind.text("schedule")} className="sm:max-w-40" />
        <CheckboxField
          label="Reboot automatically"
          description="Restart into the new slot after an update; it rolls back by itself if the boot fails."
          {...bind.checkbox("autoReboot")}
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
