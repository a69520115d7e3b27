"use client";
// Sign-in page: username and password, throttling countdown, then back to where the person was going.
import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { AuthFrame } from "~/components/auth-frame";
import { Button } from "~/components/button";
import { errorCode, errorMessage } from "~/components/errors";
import { PasswordField, TextField } from "~/components/field";
import { safeNextPath } from "~/components/safe-next";
import { useTRPC } from "~/components/trpc";

/** The sign-in form. */
export default function LoginPage() {
  const trpc = useTRPC();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [fieldErrors, setFieldErrors] = useState<{ username?: string; password?: string }>({});
  const [error, setError] = useState("");
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  // Count down while throttled.
  useEffect(() => {
    if (waitUntil === null) return;
    const id = window.setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= waitUntil) {
        setWaitUntil(null);
        setError("");
      }
    }, 250);
    return () => window.clearInterval(id);
  }, [waitUntil]);

  const login = useMutation(
    trpc.auth.login.mutationOptions({
      meta: { skipAuthRedirect: true },
      onSuccess: () => {
        const next = safeNextPath(new URLSearchParams(window.location.search).get("next"), window.location.origin);
        window.location.assign(next);
      },
      onError: (err) => {
        const code = errorCode(err);
        if (code === "TOO_MANY_REQUESTS") {
          const seconds = Number(/(\d+)\s*s/.exec(errorMessage(err))?.[1] ?? "30");
          setWaitUntil(Date.now() + seconds * 1000);
          setNow(Date.now());
          setError(errorMessage(err));
          return;
        }
        setError(code === "UNAUTHORIZED" ? "Wrong username or password." : errorMessage(err));
        setPassword("");
        passwordRef.current?.focus();
      },
    }),
  );

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const errors: typeof fieldErrors = {};
    if (!username.trim()) errors.username = "Enter your username.";
    if (!password) errors.password = "Enter your password.";
    setFieldErrors(errors);
    if (errors.username) return usernameRef.current?.focus();
    if (errors.password) return passwordRef.current?.focus();
    setError("");
    login.mutate({ username: username.trim(), password });
  };

  const throttled = waitUntil !== null && now < waitUntil;
  const secondsLeft = throttled ? Math.ceil((waitUntil - now) / 1000) : 0;
  const succeeded = login.isSuccess;

  return (
    <AuthFrame>
      <div className="rounded-xl border border-zinc-200 bg-white p-6 shadow-sm sm:p-8 dark:border-zinc-800 dark:bg-zinc-900">
        <h1 className="text-xl font-semibold tracking-tight">Sign in</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Manage this MaculaOS node.</p>

        <div role="alert" className="mt-4 empty:mt-0">
          {error ? (
            <p className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900/60 dark:bg-red-950/40 dark:text-red-300">
              {error}
            </p>
          ) : null}
        </div>

        <form noValidate onSubmit={onSubmit} className="mt-6 space-y-4" aria-label="Sign in">
          <TextField
            ref={usernameRef}
            label="Username"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            error={fieldErrors.username}
          />
          <PasswordField
            ref={passwordRef}
            label="Password"
            name="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={fieldErrors.password}
          />
          <Button type="submit" className="w-full" loading={login.isPending || succeeded} disabled={throttled}>
            {throttled ? `Try again in ${secondsLeft} s` : succeeded ? "Signing in…" : "Sign in"}
          </Button>
        </form>
      </div>
      <p className="mt-6 text-center text-sm text-zinc-600 dark:text-zinc-400">
        Forgot your password? Ask an admin of this node to set up your account again.
      </p>
    </AuthFrame>
  );
}
