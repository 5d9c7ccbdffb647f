import { Button, Text } from "@react-email/components";
import { buttonStyle, EmailLayout, textStyle } from "./layout";

export function SignInEmail({ url, host }: { url: string; host: string }) {
  return (
    <EmailLayout preview="Your Jace sign-in link">
      <Text style={textStyle}>Click the button below to sign in to Jace at {host}. The link works once and expires in 24 hours.</Text>
      <Button href={url} style={buttonStyle}>
        Sign in to Jace
      </Button>
      <Text style={{ ...textStyle, fontSize: 13, color: "#6b7280" }}>Or paste this link into your browser: {url}</Text>
    </EmailLayout>
  );
}
