"use client";
// State of a small form: its values and inline errors, with typing into a field clearing that field's error.
import { useState } from "react";
import { bindFields } from "./field";
import { withoutErrorsOf, type FieldErrors } from "./validate";

/** The values and errors of a form that starts as `initial`; `bind` wires fields to them, `reset` empties both. */
export function useFormFields<S extends object>(initial: S) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const set = <K extends keyof S>(key: K, value: S[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setErrors((prev) => withoutErrorsOf(prev, String(key)));
  };
  const reset = () => {
    setValues(initial);
    setErrors({});
  };
  return { values, errors, setErrors, bind: bindFields(values, set, errors), reset };
}
