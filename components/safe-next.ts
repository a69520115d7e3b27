// Validation of the ?next= redirect target after sign-in, so it can never send a person off-site.

/** The path to go to after sign-in: `raw` when it is a same-origin path ("/x", not "//x" or "/\x"), otherwise "/". */
export function safeNextPath(raw: string | null | undefined, origin: string): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return "/";
  if (/[\\\u0000-\u001f\u007f]/.test(raw)) return "/";
  try {
    const url = new URL(raw, origin);
    if (url.origin !== origin) return "/";
    if (url.pathname === "/login" || url.pathname === "/setup") return "/";
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return "/";
  }
}
