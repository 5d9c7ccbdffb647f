import type { Metadata } from "next";
import { AiProvidersView } from "./_components/ai-providers-view";

export const metadata: Metadata = { title: "AI providers" };

export default function AiProvidersPage() {
  return <AiProvidersView />;
}
