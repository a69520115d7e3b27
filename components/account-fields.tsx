"use client";
// Account fields used by the setup wizard and Settings (Account, Users): each with the rule it is checked against as its hint.
import type { ComponentProps } from "react";
import { PasswordField, TextField } from "./field";
import { MIN_PASSWORD } from "./validate";

/** A username, with the allowed characters as its hint. */
export function UsernameField(props: Omit<ComponentProps<typeof TextField>, "label" | "hint">) {
  return <TextField label="Username" hint="Lowercase letters, digits, '.', '_' or '-'." autoCapitalize="none" spellCheck={false} {...props} />;
}

/** A password being chosen: the minimum length as its hint, then `advice`. */
export function NewPasswordField({ advice, ...props }: Omit<ComponentProps<typeof PasswordField>, "hint"> & { advice?: string }) {
  const rule = `At least ${MIN_PASSWORD} characters.`;
  return <PasswordField hint={advice ? `${rule} ${advice}` : rule} autoComplete="new-password" {...props} />;
}
