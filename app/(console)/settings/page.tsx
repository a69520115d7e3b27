"use client";
// Settings: General (common keys), YAML (the whole file), Account, and for admins Users and API tokens.
import { useEffect, useState } from "react";
import { Notice } from "~/components/notice";
import { PageHeader } from "~/components/page-header";
import { Skeleton } from "~/components/skeleton";
import { Tabs, type TabItem } from "~/components/tabs";
import { useMe } from "~/components/use-me";
import { AccountTab } from "./account-tab";
import { GeneralTab } from "./general-tab";
import { TokensTab } from "./tokens-tab";
import { UsersTab } from "./users-tab";
import { YamlTab } from "./yaml-tab";

const TAB_IDS = ["general", "yaml", "account", "users", "tokens"] as const;

/** The settings page. */
export default function SettingsPage() {
  const { me, isAdmin, isPending } = useMe();
  const [tab, setTab] = useState<string>("general");

  // The selected tab lives in the URL hash (#yaml, #users, …) so it can be linked and survives reloads.
  useEffect(() => {
    const fromHash = () => {
      const h = window.location.hash.slice(1);
      if ((TAB_IDS as readonly string[]).includes(h)) setTab(h);
    };
    fromHash();
    window.addEventListener("hashchange", fromHash);
    return () => window.removeEventListener("hashchange", fromHash);
  }, []);

  const select = (id: string) => {
    setTab(id);
    window.history.replaceState(null, "", id === "general" ? window.location.pathname : `#${id}`);
  };

  const readOnly = !isAdmin;
  const tabs: TabItem[] = [
    { id: "general", label: "General", content: <GeneralTab readOnly={readOnly} /> },
    { id: "yaml", label: "YAML", content: <YamlTab readOnly={readOnly} /> },
    { id: "account", label: "Account", content: <AccountTab /> },
    ...(isAdmin
      ? [
          { id: "users", label: "Users", content: <UsersTab /> },
          { id: "tokens", label: "API tokens", content: <TokensTab /> },
        ]
      : []),
  ];

  return (
    <>
      <PageHeader title="Settings" description="Configure this node, your account and who can sign in." />
      {me?.role === "viewer" && (
        <Notice tone="info" className="mb-6" role="status">
          <span data-testid="viewer-notice">You are signed in as a viewer: settings are read-only</span>
        </Notice>
      )}
      {isPending ? (
        <div aria-busy="true" className="space-y-4">
          <Skeleton className="h-10 w-full max-w-md" />
          <Skeleton className="h-64 w-full" />
        </div>
      ) : (
        <Tabs label="Settings sections" tabs={tabs} value={tab} onChange={select} />
      )}
    </>
  );
}
