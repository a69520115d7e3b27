// The theme's storage key and the inline <head> script. Kept out of the client module so the server layout can import the string.

/** localStorage key holding "light" or "dark" once the person picks one. */
export const THEME_STORAGE_KEY = "maculaos-theme";

/** Inline script for <head>: applies the theme before first paint so there is no flash. */
export const THEME_SCRIPT = `(function(){try{var t=localStorage.getItem(${JSON.stringify(THEME_STORAGE_KEY)});var d=t==="dark"||(t!=="light"&&window.matchMedia("(prefers-color-scheme: dark)").matches);var e=document.documentElement;e.classList.toggle("dark",d);e.style.colorScheme=d?"dark":"light"}catch(_){}})()`;
