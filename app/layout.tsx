import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { Providers } from "@/app/_components/providers";
import "./globals.css";

export const metadata: Metadata = {
  title: {
    default: "Jace — a small AI agency you control from Slack",
    template: "%s · Jace",
  },
  description:
    "Hand work to Jace from Slack, the web app or its REST API. Every request becomes a durable, " +
    "approvable task pipeline that runs on your own GPU runners, with cloud models only as a metered fallback.",
  applicationName: "Jace",
};

export const viewport: Viewport = {
  themeColor: "#fbfbfc",
  colorScheme: "light",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-dvh bg-canvas font-sans text-ink antialiased">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
