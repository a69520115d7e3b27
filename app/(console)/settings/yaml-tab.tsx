"use client";
// Settings › YAML: edit config.yaml directly, validated as you type; Save stays disabled while it is invalid.
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { Badge } from "~/components/badge";
import { Button } from "~/components/button";
import { CodeEditor, type CodeEditorHandle } from "~/components/code-editor";
import { QueryError } from "~/components/error-state";
import { errorMessage, errorProblems, problemText, type Problem } from "~/components/errors";
import { Notice } from "~/components/notice";
import { Skeleton } from "~/components/skeleton";
import { Spinner } from "~/components/spinner";
import { useTRPC } from "~/components/trpc";
import { useDebounced } from "~/components/use-debounced";
import { useConfigChanged } from "./use-config-changed";

function ProblemList({ problems, onGoTo }: { problems: Problem[]; onGoTo: (line: number) => void }) {
  return (
    <ul className="divide-y divide-red-200 text-sm dark:divide-red-900/60">
      {problems.map((p, i) => (
        <li key={i} className="flex flex-wrap items-baseline gap-x-2 gap-y-1 py-2 first:pt-0 last:pb-0">
          {p.line !== undefined ? (
            <button
              type="button"
              onClick={() => onGoTo(p.line ?? 1)}
              className="rounded font-mono text-xs font-semibold text-red-800 underline decoration-dotted underline-offset-2 hover:decoration-solid dark:text-red-300"
            >
              Line {p.line}
            </button>
          ) : null}
          {p.path && p.path !== "(top level)" && <code className="font-mono text-xs text-red-900 dark:text-red-200">{p.path}</code>}
          <span className="text-red-900 dark:text-red-200">{problemText(p)}</span>
        </li>
      ))}
    </ul>
  );
}

/** The YAML editor tab. */
export function YamlTab({ readOnly }: { readOnly: boolean }) {
  const trpc = useTRPC();
  const configChanged = useConfigChanged();
  const config = useQuery(trpc.config.get.queryOptions());
  const [text, setText] = useState<string | null>(null);
  const [original, setOriginal] = useState<string | null>(null);
  const [saveProblems, setSaveProblems] = useState<Problem[]>([]);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const editor = useRef<CodeEditorHandle>(null);
  const problemsId = useId();
  const editorId = useId();

  const dirty = text !== null && text !== original;

  // Follow the file on the server while there are no local edits.
  useEffect(() => {
    if (!config.data) return;
    if (text === null || text === original) {
      setText(config.data.yaml);
      setOriginal(config.data.yaml);
    }
  }, [config.data]);

  const debounced = useDebounced(text ?? "", 300);
  const validation = useQuery(
    trpc.config.validate.queryOptions({ yaml: debounced }, { enabled: text !== null && !readOnly, placeholderData: keepPreviousData, staleTime: 30_000 }),
  );
  const checking = text !== debounced || validation.isPending || validation.isPlaceholderData;
  const result = validation.data;
  const problems: Problem[] = result && !result.ok ? result.problems : [];
  const valid = !checking && !validation.isError && result?.ok === true;
  const problemLines = useMemo(() => new Set(problems.flatMap((p) => (p.line !== undefined ? [p.line] : []))), [problems]);

  const save = useMutation(
    trpc.config.save.mutationOptions({
      onSuccess: async (_data, vars) => {
        setOriginal(vars.yaml);
        setSavedAt(Date.now());
        setSaveProblems([]);
        setSaveError(null);
        await configChanged();
      },
      onError: (err) => {
        setSaveProblems(errorProblems(err));
        setSaveError(errorMessage(err));
      },
    }),
  );

  const canSave = !readOnly && dirty && valid && !save.isPending;
  const doSave = () => {
    if (canSave && text !== null) save.mutate({ yaml: text });
  };

  if (config.isPending || text === null) {
    return (
      <div aria-busy="true" className="space-y-3">
        <Skeleton className="h-5 w-48" />
        <Skeleton className="h-[28rem] w-full" />
      </div>
    );
  }
  if (config.isError) {
    return <QueryError title="Could not load the configuration" query={config} />;
  }

  const dropIns = config.data.sources.filter((s) => s.includes("config.d"));
  const statusText = checking
    ? "Checking…"
    : validation.isError
      ? "Could not check the file"
      : valid
        ? "No problems found"
        : `${problems.length} ${problems.length === 1 ? "problem" : "problems"}`;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h3 id={`${editorId}-label`} className="text-base font-semibold">config.yaml</h3>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            The whole configuration under the top key <code className="font-mono">maculaos:</code>. Comments are kept.
          </p>
        </div>
        <div className="flex items-center gap-2 text-sm" aria-hidden={checking || undefined}>
          {checking ? (
            <span className="inline-flex items-center gap-1.5 text-zinc-500 dark:text-zinc-400">
              <Spinner className="size-4" /> Checking…
            </span>
          ) : validation.isError ? (
            <Badge tone="warning">not checked</Badge>
          ) : valid ? (
            <Badge tone="success">valid</Badge>
          ) : (
            <Badge tone="danger">{statusText}</Badge>
          )}
        </div>
      </div>

      {config.data.problem && (
        <Notice tone="warning" title="The file on disk is not in force">
          {config.data.problem}
        </Notice>
      )}
      {dropIns.length > 0 && (
        <Notice tone="info">
          Drop-ins merged on top of this file: {dropIns.map((d) => <code key={d} className="mr-2 font-mono text-xs">{d}</code>)}
        </Notice>
      )}

      <CodeEditor
        id={editorId}
        label="config.yaml"
        value={text}
        onChange={(v) => {
          setText(v);
          setSavedAt(null);
        }}
        readOnly={readOnly}
        problemLines={problemLines}
        onSave={doSave}
        describedBy={problemsId}
        invalid={!checking && problems.length > 0}
        handle={editor}
        className="h-[28rem]"
      />

      <div id={problemsId}>
        <p role="status" className="sr-only">
          {checking ? "" : statusText}
        </p>
        {validation.isError && !checking && (
          <QueryError title="Could not check the file" query={validation} />
        )}
        {!checking && problems.length > 0 && (
          <div className="rounded-lg border border-red-200 bg-red-50 p-4 dark:border-red-900/60 dark:bg-red-950/40">
            <p className="mb-2 text-sm font-medium text-red-900 dark:text-red-200">
              Fix {problems.length === 1 ? "this problem" : `these ${problems.length} problems`} before saving:
            </p>
            <ProblemList problems={problems} onGoTo={(l) => editor.current?.goToLine(l)} />
          </div>
        )}
      </div>

      {(saveError || saveProblems.length > 0) && (
        <Notice tone="danger" role="alert" title="The file was not saved">
          {saveProblems.length > 0 ? <ProblemList problems={saveProblems} onGoTo={(l) => editor.current?.goToLine(l)} /> : saveError}
        </Notice>
      )}

      {!readOnly && (
        <div className="flex flex-wrap items-center justify-end gap-3">
          <p role="status" className="mr-auto text-sm text-zinc-600 dark:text-zinc-400">
            {savedAt && !dirty ? "Saved. The new configuration is in force." : dirty ? "Unsaved changes · Ctrl+S to save" : ""}
          </p>
          <Button
            variant="secondary"
            disabled={!dirty || save.isPending}
            onClick={() => {
              setText(original);
              setSaveProblems([]);
              setSaveError(null);
            }}
          >
            Revert
          </Button>
          <Button onClick={doSave} loading={save.isPending} disabled={!canSave}>
            Save
          </Button>
        </div>
      )}
    </div>
  );
}
