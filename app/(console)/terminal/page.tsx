"use client";
// Terminal: the node's login shell in the browser, several at once as tabs. The open shells are remembered for this
// browser tab, so a reload or a dropped connection reattaches to the same live shells with their recent output.
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { Badge, type BadgeTone } from "~/components/badge";
import { Button } from "~/components/button";
import { cx } from "~/components/cx";
import { EmptyState } from "~/components/empty-state";
import { Icon } from "~/components/icons";
import { Notice } from "~/components/notice";
import { PageHeader } from "~/components/page-header";
import { Skeleton } from "~/components/skeleton";
import type { ConnectionState } from "~/components/terminal-connection";
import { TerminalView, type TerminalHandle } from "~/components/terminal-view";
import { useTRPC } from "~/components/trpc";
import { useMe } from "~/components/use-me";

/** One tab: a local key, the shell it shows (null until the server names it), its title and connection state. */
type Tab = { key: string; shellId: string | null; title: string; state: ConnectionState };

const STORAGE_KEY = "maculaos.terminal.tabs";
const SCREEN_READER_KEY = "maculaos.terminal.screen-reader";
let nextKey = 0;
const newTab = (shellId: string | null = null, title = ""): Tab => ({ key: `t${++nextKey}`, shellId, title, state: { kind: "connecting" } });

const STATE_BADGE: Record<ConnectionState["kind"], { tone: BadgeTone; text: string }> = {
  connecting: { tone: "neutral", text: "Connecting" },
  open: { tone: "success", text: "Connected" },
  reconnecting: { tone: "warning", text: "Reconnecting" },
  exited: { tone: "neutral", text: "Exited" },
  ended: { tone: "neutral", text: "Ended" },
  "taken-over": { tone: "info", text: "Open elsewhere" },
  refused: { tone: "danger", text: "Refused" },
};

/** Restores this browser tab's shells, or starts with one new shell. */
function loadTabs(): { tabs: Tab[]; active: number } {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null") as { tabs: { id: string; title: string }[]; active: number } | null;
    if (saved?.tabs.length) return { tabs: saved.tabs.map((t) => newTab(t.id, t.title)), active: saved.active };
  } catch {
    // nothing usable saved
  }
  return { tabs: [newTab()], active: 0 };
}

/** The terminal page. */
export default function TerminalPage() {
  const { isAdmin, isPending } = useMe();
  const trpc = useTRPC();
  // Shells left detached by a closed window, offered for reattaching.
  const shells = useQuery(trpc.terminal.list.queryOptions(undefined, { enabled: isAdmin, refetchInterval: 15_000 }));
  const [tabs, setTabs] = useState<Tab[] | null>(null);
  const [active, setActive] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const [screenReader, setScreenReader] = useState(false);
  const handles = useRef(new Map<string, TerminalHandle>());
  const tabButtons = useRef(new Map<string, HTMLButtonElement>());

  useEffect(() => {
    setScreenReader(localStorage.getItem(SCREEN_READER_KEY) === "1");
    const { tabs: restored, active: i } = loadTabs();
    setTabs(restored);
    setActive((restored[i] ?? restored[0])!.key);
  }, []);

  // Remember the shells (not the connection states) so a reload reattaches them.
  useEffect(() => {
    if (!tabs) return;
    const live = tabs.filter((t) => t.shellId && t.state.kind !== "exited" && t.state.kind !== "ended");
    const i = Math.max(0, live.findIndex((t) => t.key === active));
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ tabs: live.map((t) => ({ id: t.shellId, title: t.title })), active: i }));
  }, [tabs, active]);

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), 4000);
    return () => clearTimeout(timer);
  }, [notice]);

  const update = useCallback((key: string, change: Partial<Tab>) => setTabs((ts) => ts?.map((t) => (t.key === key ? { ...t, ...change } : t)) ?? ts), []);

  const add = () => {
    const tab = newTab();
    setTabs((ts) => [...(ts ?? []), tab]);
    setActive(tab.key);
  };

  const close = (key: string) => {
    handles.current.get(key)?.closeShell();
    setTabs((ts) => {
      if (!ts) return ts;
      const i = ts.findIndex((t) => t.key === key);
      const rest = ts.filter((t) => t.key !== key);
      if (key === active) setActive((rest[Math.min(i, rest.length - 1)] ?? { key: "" }).key);
      return rest;
    });
  };

  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (!tabs) return;
    const i = tabs.findIndex((t) => t.key === active);
    const to = e.key === "ArrowRight" ? i + 1 : e.key === "ArrowLeft" ? i - 1 : e.key === "Home" ? 0 : e.key === "End" ? tabs.length - 1 : null;
    if (to === null) return;
    e.preventDefault();
    const tab = tabs[(to + tabs.length) % tabs.length];
    if (!tab) return;
    setActive(tab.key);
    tabButtons.current.get(tab.key)?.focus();
  };

  const toggleScreenReader = () => {
    localStorage.setItem(SCREEN_READER_KEY, screenReader ? "0" : "1");
    setScreenReader(!screenReader);
  };

  const copy = async () => {
    const ok = await handles.current.get(active)?.copy();
    setNotice(ok ? "Copied the selection." : "Select text in the terminal first.");
  };

  const paste = async () => {
    try {
      const text = await navigator.clipboard.readText();
      handles.current.get(active)?.paste(text);
    } catch {
      setNotice("The browser did not allow reading the clipboard here; press Ctrl+Shift+V in the terminal instead.");
    }
    handles.current.get(active)?.focus();
  };

  if (isPending || !tabs) {
    return (
      <>
        <PageHeader title="Terminal" />
        <Skeleton className="h-96 w-full" />
      </>
    );
  }
  if (!isAdmin) {
    return (
      <>
        <PageHeader title="Terminal" />
        <EmptyState icon={<Icon name="terminal" className="size-8" />} title="The terminal needs the admin role" description="A shell on this node can change anything, so only admins may open one." />
      </>
    );
  }

  const current = tabs.find((t) => t.key === active);
  const detached = (shells.data?.shells ?? []).filter((s) => !s.attached && !tabs.some((t) => t.shellId === s.id));
  const reattach = () => {
    const added = detached.map((s) => newTab(s.id));
    setTabs([...tabs, ...added]);
    if (added[0]) setActive(added[0].key);
  };
  const label = (t: Tab, i: number) => t.title || `Shell ${i + 1}`;

  return (
    <div className="flex h-[calc(100dvh-8.5rem)] min-h-[22rem] flex-col">
      <PageHeader
        title="Terminal"
        description="A login shell on this node. Shells survive a reload or a dropped connection; a detached shell ends after the idle time set in terminal.idle_timeout."
        actions={
          <>
            <Button variant="secondary" size="sm" onClick={() => void copy()} title="Copy the selection (Ctrl+Shift+C)" disabled={!current}>
              <Icon name="copy" className="size-4" />
              Copy
            </Button>
            <Button variant="secondary" size="sm" onClick={() => void paste()} title="Paste (Ctrl+Shift+V)" disabled={!current}>
              Paste
            </Button>
            <Button variant="secondary" size="sm" onClick={toggleScreenReader} aria-pressed={screenReader} title="Mirror the screen as text for screen readers">
              Screen reader
            </Button>
            <Button size="sm" onClick={add}>
              <Icon name="terminal" className="size-4" />
              New tab
            </Button>
          </>
        }
      />
      {notice && (
        <p role="status" className="mb-2 text-sm text-zinc-600 dark:text-zinc-400">
          {notice}
        </p>
      )}
      <div className="flex items-end gap-1 overflow-x-auto border-b border-zinc-200 dark:border-zinc-800">
        <div role="tablist" aria-label="Shells" className="flex gap-1">
          {tabs.map((t, i) => {
            const selected = t.key === active;
            return (
              <div key={t.key} className={cx("flex items-center rounded-t-md border border-b-0", selected ? "border-zinc-300 bg-zinc-900 text-zinc-100 dark:border-zinc-700" : "border-transparent text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800")}>
                <button
                  ref={(b) => void (b ? tabButtons.current.set(t.key, b) : tabButtons.current.delete(t.key))}
                  type="button"
                  role="tab"
                  id={`tab-${t.key}`}
                  aria-selected={selected}
                  aria-controls={`panel-${t.key}`}
                  tabIndex={selected ? 0 : -1}
                  onClick={() => setActive(t.key)}
                  onKeyDown={onTabKey}
                  className="flex max-w-56 items-center gap-2 py-1.5 pr-1 pl-3 text-sm font-medium"
                >
                  <span aria-hidden="true" className={cx("size-2 shrink-0 rounded-full", t.state.kind === "open" ? "bg-emerald-500" : t.state.kind === "reconnecting" || t.state.kind === "connecting" ? "bg-amber-400" : "bg-zinc-400")} />
                  <span className="truncate">{label(t, i)}</span>
                </button>
                <button type="button" aria-label={`Close ${label(t, i)}`} title="Close this shell" onClick={() => close(t.key)} className="mr-1 rounded p-1 text-zinc-400 hover:bg-zinc-700 hover:text-white">
                  <Icon name="close" className="size-3.5" />
                </button>
              </div>
            );
          })}
        </div>
        <button type="button" aria-label="New tab" title="New tab" onClick={add} className="mb-0.5 rounded p-1.5 text-zinc-500 hover:bg-zinc-100 dark:hover:bg-zinc-800">
          <span aria-hidden="true" className="text-lg leading-none">+</span>
        </button>
        {current && (
          <Badge tone={STATE_BADGE[current.state.kind].tone} className="mb-1.5 ml-auto" data-testid="terminal-state">
            {STATE_BADGE[current.state.kind].text}
          </Badge>
        )}
      </div>
      {detached.length > 0 && (
        <Notice tone="info" className="mt-2" id="detached-shells">
          {row(
            `${detached.length === 1 ? "1 shell is" : `${detached.length} shells are`} still running detached from a closed window.`,
            <Button size="sm" variant="secondary" onClick={reattach}>
              Reattach
            </Button>,
          )}
        </Notice>
      )}
      {current && <StateNotice tab={current} onReconnect={() => handles.current.get(current.key)?.reconnect()} onClose={() => close(current.key)} />}
      <div className="relative min-h-0 flex-1 rounded-b-md bg-zinc-900 p-2">
        {tabs.length === 0 && (
          <div className="flex h-full items-center justify-center">
            <EmptyState className="border-zinc-700 text-zinc-300" title="No shells open" description="Open a login shell on this node." action={<Button onClick={add}>New tab</Button>} />
          </div>
        )}
        {tabs.map((t, i) => (
          <div key={t.key} role="tabpanel" id={`panel-${t.key}`} aria-labelledby={`tab-${t.key}`} hidden={t.key !== active} className="h-full">
            <TerminalView
              ref={(h) => void (h ? handles.current.set(t.key, h) : handles.current.delete(t.key))}
              shellId={t.shellId}
              visible={t.key === active}
              label={`${label(t, i)} input`}
              screenReader={screenReader}
              onShellId={(id) => update(t.key, { shellId: id })}
              onTitle={(title) => update(t.key, { title: title.slice(0, 60) })}
              onState={(state) => update(t.key, { state })}
            />
          </div>
        ))}
      </div>
    </div>
  );
}

/** A notice's text with its action on the right. */
const row = (text: string, action: ReactNode) => (
  <div className="flex items-center justify-between gap-3">
    <span>{text}</span>
    {action}
  </div>
);

/** What to do when the active shell is not simply connected. */
function StateNotice({ tab, onReconnect, onClose }: { tab: Tab; onReconnect: () => void; onClose: () => void }) {
  const s = tab.state;
  if (s.kind === "taken-over")
    return (
      <Notice tone="info" className="my-2">
        {row("This shell is open in another window.", <Button size="sm" variant="secondary" onClick={onReconnect}>Use it here</Button>)}
      </Notice>
    );
  if (s.kind === "reconnecting")
    return (
      <Notice tone="warning" role="status" className="my-2">
        The connection dropped; reconnecting to the same shell (attempt {s.attempt})…
      </Notice>
    );
  if (s.kind === "exited" || s.kind === "ended" || s.kind === "refused")
    return (
      <Notice tone={s.kind === "refused" ? "danger" : "info"} role="status" className="my-2">
        {row(s.kind === "refused" ? `The terminal could not be opened: ${s.reason}` : `This shell has ended: ${s.reason}.`, <Button size="sm" variant="secondary" onClick={onClose}>Close tab</Button>)}
      </Notice>
    );
  return null;
}
