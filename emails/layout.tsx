import { Body, Container, Head, Html, Preview, Section, Text } from "@react-email/components";
import type { ReactNode } from "react";

/** The frame every Jace email shares. */
export function EmailLayout({ preview, children }: { preview: string; children: ReactNode }) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{preview}</Preview>
      <Body
        style={{
          backgroundColor: "#f6f7fb",
          fontFamily: "-apple-system, Segoe UI, Helvetica, Arial, sans-serif",
          margin: 0,
          padding: "32px 0",
        }}
      >
        <Container
          style={{ backgroundColor: "#ffffff", borderRadius: 12, padding: "32px 40px", maxWidth: 520, border: "1px solid #e5e7eb" }}
        >
          <Text style={{ fontSize: 20, fontWeight: 700, color: "#4f46e5", margin: "0 0 24px" }}>Jace</Text>
          <Section>{children}</Section>
          <Text style={{ fontSize: 12, color: "#6b7280", marginTop: 32 }}>
            You received this because someone used this address on Jace. If that was not you, ignore this email.
          </Text>
        </Container>
      </Body>
    </Html>
  );
}

export const buttonStyle = {
  backgroundColor: "#4f46e5",
  color: "#ffffff",
  borderRadius: 8,
  padding: "12px 20px",
  fontWeight: 600,
  textDecoration: "none",
  display: "inline-block",
} as const;

export const textStyle = { fontSize: 15, lineHeight: "24px", color: "#111827" } as const;
