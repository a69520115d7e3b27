// The dashboard's navigation, as data: adding an area is one line here (plus its page under app/(console)/).
import type { IconName } from "./icons";

/** One area of the dashboard in the sidebar. */
export type NavItem = { href: string; label: string; icon: IconName; adminOnly?: boolean };

/** Areas shown in the sidebar, in order. Only list areas whose pages exist. */
export const NAV_ITEMS: readonly NavItem[] = [
  { href: "/", label: "Dashboard", icon: "dashboard" },
  { href: "/health", label: "Health", icon: "check" },
  { href: "/updates", label: "Updates", icon: "updates" },
  { href: "/services", label: "Services", icon: "services" },
  { href: "/backups", label: "Backups", icon: "backups", adminOnly: true },
  { href: "/logs", label: "Logs", icon: "logs" },
  { href: "/network", label: "Network", icon: "network" },
  { href: "/firewall", label: "Firewall", icon: "firewall" },
  { href: "/mesh", label: "Mesh", icon: "mesh" },
  { href: "/terminal", label: "Terminal", icon: "terminal", adminOnly: true },
  { href: "/recovery", label: "Recovery", icon: "settings", adminOnly: true },
  { href: "/events", label: "Events", icon: "events" },
  { href: "/settings", label: "Settings", icon: "settings" },
];

/** True when `pathname` is inside the area at `href` ("/" matches only itself). */
export function isActive(href: string, pathname: string): boolean {
  if (href === "/") return pathname === "/";
  return pathname === href || pathname.startsWith(`${href}/`);
}
