import type { ReactNode } from "react";
import { PageHeader } from "@/app/_components/ui";
import { SettingsTabs } from "./_components/settings-tabs";

export default async function SettingsLayout({ children, params }: { children: ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  return (
    <>
      <PageHeader title="Settings" description="Your workspace's name, members, AI providers, API keys and audit trail." />
      <SettingsTabs slug={slug} className="mt-6" />
      <div className="mt-8">{children}</div>
    </>
  );
}
