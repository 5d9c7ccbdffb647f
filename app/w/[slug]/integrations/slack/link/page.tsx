import type { Metadata } from "next";
import { Suspense } from "react";
import { LinkSlackAccount } from "./link-slack-account";

export const metadata: Metadata = { title: "Link your Slack account" };

export default function LinkSlackPage() {
  return (
    <Suspense>
      <LinkSlackAccount />
    </Suspense>
  );
}
