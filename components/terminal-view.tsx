"use client";
// One shell on screen: xterm.js with the fit and web-links addons and the WebGL renderer (the DOM renderer when WebGL
// is missing or its context is lost), bound to a TerminalConnection. Copy with Ctrl+Shift+C, paste with Ctrl+Shift+V
// (or the toolbar): a multi-line paste goes in as one bracketed paste when the shell asks for it, never line by line.
import "@xterm/xterm/css/xterm.css";
import type { Terminal } from "@xterm/xterm";
import { useEffect, useImperativeHandle, useRef, type Ref } from "react";
import { copyText } from "./copy-button";
import { TerminalConnection, type ConnectionState } from "./terminal-connection";

/** What the page can do with a terminal. */
export interface TerminalHandle {
  focus(): void;
  /** Copies the selection; false when nothing is selected or the browser refused. */
  copy(): Promise<boolean>;
  /** Pastes text as typed input (bracketed when the shell enabled bracketed paste). */
  paste(text: string): void;
  reconnect(): void;
  /** Ends the shell. */
  closeShell(): void;
}

const THEME = {
  background: "#18181b",
  foreground: "#e4e4e7",
  cursor: "#a5b4fc",
  selectionBackground: "#4f46e566",
};

/** A live terminal bound to shell `shellId` (null opens a new shell). */
export function TerminalView({
  shellId,
  visible,
  label,
  screenReader,
  onShellId,
  onTitle,
  onState,
  ref,
}: {
  shellId: string | null;
  visible: boolean;
  label: string;
  /** xterm's screen reader mode: the screen is mirrored as text rows for assistive technology. */
  screenReader: boolean;
  onShellId: (id: string) => void;
  onTitle: (title: string) => void;
  onState: (state: ConnectionState) => void;
  ref?: Ref<TerminalHandle>;
}) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const conn = useRef<TerminalConnection | null>(null);
  const fitRef = useRef<(() => void) | null>(null);
  // The callbacks change every render; the terminal is built once.
  const events = useRef({ onShellId, onTitle, onState });
  events.current = { onShellId, onTitle, onState };
  const initialId = useRef(shellId);
  const initialLabel = useRef(label);
  const initialScreenReader = useRef(screenReader);
  const visibleRef = useRef(visible);
  visibleRef.current = visible;

  useImperativeHandle(ref, () => ({
    focus: () => term.current?.focus(),
    copy: async () => {
      const text = term.current?.getSelection() ?? "";
      return text ? copyText(text) : false;
    },
    paste: (text) => term.current?.paste(text),
    reconnect: () => conn.current?.reconnect(),
    closeShell: () => conn.current?.closeShell(),
  }));

  useEffect(() => {
    let disposed = false;
    const cleanups: (() => void)[] = [];
    void (async () => {
      const [{ Terminal }, { FitAddon }, { WebLinksAddon }, { WebglAddon }] = await Promise.all([
        import("@xterm/xterm"),
        import("@xterm/addon-fit"),
        import("@xterm/addon-web-links"),
        import("@xterm/addon-webgl"),
      ]);
      const el = host.current;
      if (disposed || !el) return;
      const t = new Terminal({
        cursorBlink: true,
        fontFamily: 'ui-monospace, "JetBrains Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
        fontSize: 14,
        scrollback: 10_000,
        theme: THEME,
        screenReaderMode: initialScreenReader.current,
      });
      term.current = t;
      const fit = new FitAddon();
      t.loadAddon(fit);
      t.loadAddon(new WebLinksAddon((_e, uri) => window.open(uri, "_blank", "noopener,noreferrer")));
      t.open(el);
      t.textarea?.setAttribute("aria-label", initialLabel.current);
      try {
        const webgl = new WebglAddon();
        webgl.onContextLoss(() => {
          webgl.dispose();
          el.dataset.renderer = "dom";
        });
        t.loadAddon(webgl);
        el.dataset.renderer = "webgl";
      } catch {
        el.dataset.renderer = "dom"; // no WebGL2 here: xterm's DOM renderer draws instead
      }
      const refit = () => {
        if (el.offsetParent === null) return; // hidden tab: fit when shown
        fit.fit();
      };
      fitRef.current = refit;
      refit();
      if (visibleRef.current) t.focus();

      // Ctrl+Shift+C copies the selection; Ctrl+Shift+V is left to the browser, whose paste event xterm turns into
      // a (bracketed) paste. Plain Ctrl+C stays the interrupt.
      t.attachCustomKeyEventHandler((e) => {
        if (e.type !== "keydown" || !e.ctrlKey || !e.shiftKey) return true;
        if (e.code === "KeyC") {
          const text = t.getSelection();
          if (text) void copyText(text);
          return false;
        }
        return e.code !== "KeyV";
      });

      const c = new TerminalConnection(initialId.current, { cols: t.cols, rows: t.rows }, {
        write: (data, done) => t.write(data, done),
        reset: () => t.reset(),
        id: (id) => events.current.onShellId(id),
        state: (s) => events.current.onState(s),
      });
      conn.current = c;
      const subs = [t.onData((d) => c.send(d)), t.onBinary((d) => c.sendBinary(d)), t.onResize(({ cols, rows }) => c.resize(cols, rows)), t.onTitleChange((title) => events.current.onTitle(title))];
      const observer = new ResizeObserver(() => refit());
      observer.observe(el);
      cleanups.push(() => {
        observer.disconnect();
        for (const s of subs) s.dispose();
        c.dispose();
        t.dispose();
      });
    })();
    return () => {
      disposed = true;
      for (const f of cleanups) f();
      term.current = null;
      conn.current = null;
    };
  }, []);

  useEffect(() => {
    if (term.current) term.current.options.screenReaderMode = screenReader;
  }, [screenReader]);

  useEffect(() => {
    if (!visible) return;
    fitRef.current?.();
    term.current?.focus();
  }, [visible]);

  return <div ref={host} className="h-full w-full overflow-hidden" data-testid="terminal" />;
}
